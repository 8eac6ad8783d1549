using Orleans.Serialization;
using OrleansTasks.Storage;

namespace OrleansTasks.Tasks;

[GenerateSerializer, Alias("OrleansTasks.Tasks.IdempotencyKeyState")]
public sealed class IdempotencyKeyState
{
    [Id(0)] public Guid TaskId { get; set; }
    [Id(1)] public string Fingerprint { get; set; } = "";
    [Id(2)] public DateTimeOffset ClaimedAt { get; set; }

    /// <summary>Requests that were handed <see cref="TaskId"/> and have not released it.</summary>
    [Id(3)] public int Holders { get; set; }
}

/// <summary>
/// Keeps an idempotency key's first task id for <see cref="Lifetime"/>; see <see cref="IIdempotencyKeyGrain"/>.
/// Every request handed the id counts as a holder; a request whose create was refused releases its
/// hold, and the key is freed only when no holder is left. So a refused request cannot free the key
/// while a concurrent one with the same key creates the task (a later retry would then create a
/// second one). Holds of requests that succeeded, or failed otherwise, stay: the key keeps its id.
/// </summary>
[GrainType("idempotency-key")]
public sealed class IdempotencyKeyGrain(
    [PersistentState("key", StorageNames.Tasks)] IPersistentState<IdempotencyKeyState> state,
    DeepCopier copier,
    TimeProvider time) : Grain, IIdempotencyKeyGrain
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);

    private DurableState<IdempotencyKeyState>? _durable;

    private DurableState<IdempotencyKeyState> Durable => _durable ??= new(state, copier, DeactivateOnIdle);

    public async Task<IdempotencyClaim> Claim(Guid proposedTaskId, string requestFingerprint)
    {
        var now = time.GetUtcNow();
        var key = Durable.Current;
        if (state.RecordExists && key.TaskId != Guid.Empty && now - key.ClaimedAt < Lifetime)
        {
            var matches = key.Fingerprint == requestFingerprint;
            if (matches)
            {
                await Durable.CommitAsync(next => next.Holders++);
            }

            return new IdempotencyClaim(key.TaskId, matches, IsNew: false);
        }

        await Durable.WriteAsync(new IdempotencyKeyState
        {
            TaskId = proposedTaskId,
            Fingerprint = requestFingerprint,
            ClaimedAt = now,
            Holders = 1,
        });
        return new IdempotencyClaim(proposedTaskId, MatchesFirstRequest: true, IsNew: true);
    }

    public async Task Release(Guid taskId)
    {
        if (!state.RecordExists || Durable.Current.TaskId != taskId)
        {
            return;
        }

        // The key is freed only when no other request holding it may still create the task.
        await Durable.CommitAsync(next =>
        {
            next.Holders = Math.Max(0, next.Holders - 1);
            if (next.Holders == 0)
            {
                next.TaskId = Guid.Empty;
            }
        });
    }
}
