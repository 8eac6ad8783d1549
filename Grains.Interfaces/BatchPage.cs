using System.Collections.Immutable;

namespace OrleansTasks;

/// <summary>One page of a user's batches, newest first; <see cref="NextCursor"/> is null on the last page.</summary>
[GenerateSerializer, Immutable, Alias("OrleansTasks.BatchPage")]
public sealed record BatchPage(
    [property: Id(0)] ImmutableArray<Guid> BatchIds,
    [property: Id(1)] string? NextCursor);
