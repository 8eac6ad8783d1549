using System.Collections.Immutable;

namespace OrleansTasks;

/// <summary>Many tasks created together on behalf of <see cref="OwnerId"/>; either all are created or none.</summary>
[GenerateSerializer, Immutable, Alias("OrleansTasks.CreateBatch")]
public sealed record CreateBatch(
    [property: Id(0)] string OwnerId,
    [property: Id(1)] ImmutableArray<BatchTaskSpec> Tasks);
