using System.Collections.Immutable;

namespace OrleansTasks.Storage;

/// <summary>The outcomes of one slice, appended as the task runs; <see cref="FirstDocument"/> is the slice's first document position.</summary>
[GenerateSerializer, Immutable, Alias("OrleansTasks.Storage.ResultChunk")]
public sealed record ResultChunk(
    [property: Id(0)] int FirstDocument,
    [property: Id(1)] ImmutableArray<DocumentResult> Results);
