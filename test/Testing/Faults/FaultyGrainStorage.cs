using Orleans.Storage;

namespace OrleansTasks.Testing.Faults;

/// <summary>Grain storage that fails the writes a <see cref="FaultPlan"/> names, before or after they reach the inner storage, and the reads and clears it names.</summary>
public sealed class FaultyGrainStorage(IGrainStorage inner, FaultPlan plan) : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        plan.OnRead(grainId) == Fault.None
            ? inner.ReadStateAsync(stateName, grainId, grainState)
            : throw FaultPlan.Injected($"reading {grainId} failed");

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var fault = plan.OnWrite(grainId, grainState.State);
        if (fault == Fault.Fail)
        {
            throw FaultPlan.Injected($"write of {grainId} failed");
        }

        // A lost acknowledgement: the row is stored, the caller hears of an error and keeps its old ETag.
        var etag = grainState.ETag;
        var existed = grainState.RecordExists;
        await inner.WriteStateAsync(stateName, grainId, grainState);
        plan.Stored(grainId);
        if (fault == Fault.LostAcknowledgement)
        {
            grainState.ETag = etag;
            grainState.RecordExists = existed;
            throw FaultPlan.Injected($"write of {grainId} stored, acknowledgement lost");
        }
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        plan.OnClear(grainId) == Fault.None
            ? inner.ClearStateAsync(stateName, grainId, grainState)
            : throw FaultPlan.Injected($"clearing {grainId} failed");

    public void Participate(ISiloLifecycle lifecycle) => (inner as ILifecycleParticipant<ISiloLifecycle>)?.Participate(lifecycle);
}
