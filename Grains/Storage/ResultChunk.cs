using System.Collections.Immutable;

namespace OrleansTasks.Storage;

/// <summary>
/// The outcomes of one slice, appended as the task runs; <see cref="FirstDocument"/> is the slice's
/// first document position. <see cref="Fence"/> is the writing activation's <c>seq</c> reservation
/// (<c>IndexTaskState.SeqReservedUpTo</c>), which every activation raises in its first write: a chunk
/// may replace one of a lower or equal fence (left by an earlier activation, or its own retried
/// slice), never one of a newer activation. Chunks of a build without it read as fence 0.
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansTasks.Storage.ResultChunk")]
public sealed record ResultChunk(
    [property: Id(0)] int FirstDocument,
    [property: Id(1)] ImmutableArray<DocumentResult> Results,
    [property: Id(2)] long Fence = 0);
