namespace OrleansTasks;

/// <summary>
/// How a task retries a slice whose indexing failed with a transient error (a timeout, the database):
/// at most <see cref="MaxAttempts"/> tries in all (the first try is attempt 1), waiting
/// <see cref="InitialInterval"/> before the second and <see cref="Backoff"/> times longer before each
/// next one, never longer than <see cref="MaxInterval"/>. In a request a member left null takes the
/// silo's default (<c>Tasks:Retry</c>); an accepted task keeps the policy it was accepted with.
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansTasks.TaskRetryPolicy")]
public sealed record TaskRetryPolicy(
    [property: Id(0)] int? MaxAttempts = null,
    [property: Id(1)] TimeSpan? InitialInterval = null,
    [property: Id(2)] double? Backoff = null,
    [property: Id(3)] TimeSpan? MaxInterval = null);
