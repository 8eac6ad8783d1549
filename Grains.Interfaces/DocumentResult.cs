namespace OrleansTasks;

/// <summary>The outcome of one document; <see cref="Error"/> is set only when it failed.</summary>
[GenerateSerializer, Immutable, Alias("OrleansTasks.DocumentResult")]
public sealed record DocumentResult(
    [property: Id(0)] string Id,
    [property: Id(1)] DocumentOutcome Outcome,
    [property: Id(2)] string? Error = null);
