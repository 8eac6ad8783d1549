using System.Collections.Immutable;

namespace OrleansTasks;

/// <summary>One page of a user's batches or schedules, newest first; <see cref="NextCursor"/> is null on the last page.</summary>
[GenerateSerializer, Immutable, Alias("OrleansTasks.ListPage")]
public sealed record ListPage(
    [property: Id(0)] ImmutableArray<Guid> Ids,
    [property: Id(1)] string? NextCursor);
