namespace OrleansTasks;

/// <summary>What an idempotency key decided: the task to use, and whether the request matched the key's first one.</summary>
[GenerateSerializer, Immutable, Alias("OrleansTasks.IdempotencyClaim")]
public sealed record IdempotencyClaim(
    [property: Id(0)] Guid TaskId,
    [property: Id(1)] bool MatchesFirstRequest,
    [property: Id(2)] bool IsNew);
