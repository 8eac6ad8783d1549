using System.Collections.Immutable;

namespace OrleansTasks;

/// <summary>A task together with every task it depends on, directly or not, and their rolled-up progress.</summary>
[GenerateSerializer, Immutable, Alias("OrleansTasks.ChainSnapshot")]
public sealed record ChainSnapshot(
    [property: Id(0)] Guid TaskId,
    [property: Id(1)] TaskGroupProgress Rollup,
    [property: Id(2)] ImmutableArray<GroupTask> Tasks);
