using System.Collections.Immutable;

namespace OrleansTasks;

/// <summary>One page of a task's per-document outcomes, in document order.</summary>
[GenerateSerializer, Immutable, Alias("OrleansTasks.TaskResultPage")]
public sealed record TaskResultPage(
    [property: Id(0)] ImmutableArray<DocumentResult> Items,
    [property: Id(1)] int? NextOffset);
