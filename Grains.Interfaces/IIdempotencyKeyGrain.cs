namespace OrleansTasks;

/// <summary>
/// One client-chosen idempotency key of one user (key: <see cref="KeyFor"/>). The first request
/// with the key claims a task id; later requests with the same fingerprint get that same id, and
/// ones with another fingerprint are told they do not match.
/// </summary>
[Alias("OrleansTasks.IIdempotencyKeyGrain")]
public interface IIdempotencyKeyGrain : IGrainWithStringKey
{
    /// <summary>Claims <paramref name="proposedTaskId"/> for the key, or answers the task id an earlier request with the key claimed (and whether its fingerprint matches).</summary>
    [Alias("Claim")]
    Task<IdempotencyClaim> Claim(Guid proposedTaskId, string requestFingerprint);

    /// <summary>Forgets the key if it still points at <paramref name="taskId"/> (its task was refused).</summary>
    [Alias("Release")]
    Task Release(Guid taskId);

    /// <summary>The grain key of an owner's idempotency key.</summary>
    static string KeyFor(string ownerId, string idempotencyKey) =>
        Uri.EscapeDataString(ownerId) + "/" + Uri.EscapeDataString(idempotencyKey);
}
