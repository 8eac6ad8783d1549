namespace OrleansTasks.Tasks;

[GenerateSerializer, Alias("OrleansTasks.Tasks.IdempotencyKeyState")]
public sealed class IdempotencyKeyState
{
    [Id(0)] public Guid TaskId { get; set; }
    [Id(1)] public string Fingerprint { get; set; } = "";
    [Id(2)] public DateTimeOffset ClaimedAt { get; set; }
}

/// <summary>Keeps an idempotency key's first task id for <see cref="Lifetime"/>; see <see cref="IIdempotencyKeyGrain"/>.</summary>
[GrainType("idempotency-key")]
public sealed class IdempotencyKeyGrain(
    [PersistentState("key", StorageNames.Tasks)] IPersistentState<IdempotencyKeyState> state,
    TimeProvider time) : Grain, IIdempotencyKeyGrain
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);

    public async Task<IdempotencyClaim> Claim(Guid proposedTaskId, string requestFingerprint)
    {
        var now = time.GetUtcNow();
        if (state.RecordExists && state.State.TaskId != Guid.Empty && now - state.State.ClaimedAt < Lifetime)
        {
            var matches = state.State.Fingerprint == requestFingerprint;
            return new IdempotencyClaim(state.State.TaskId, matches, IsNew: false);
        }

        state.State.TaskId = proposedTaskId;
        state.State.Fingerprint = requestFingerprint;
        state.State.ClaimedAt = now;
        await state.WriteStateAsync();
        return new IdempotencyClaim(proposedTaskId, MatchesFirstRequest: true, IsNew: true);
    }

    public async Task Release(Guid taskId)
    {
        if (state.RecordExists && state.State.TaskId == taskId)
        {
            state.State.TaskId = Guid.Empty;
            await state.WriteStateAsync();
        }
    }
}
