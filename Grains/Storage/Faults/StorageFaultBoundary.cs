using Orleans.Storage;

namespace OrleansTasks.Storage.Faults;

/// <summary>
/// Grain storage whose failures are <see cref="StorageUnavailableException"/>s. A state read that
/// fails while a grain activates never reaches a call filter: Orleans rejects the waiting calls
/// with the activation's exception, which must therefore be serializable too.
/// </summary>
public sealed class StorageFaultBoundary(IGrainStorage inner) : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        StorageFaults.GuardAsync(() => inner.ReadStateAsync(stateName, grainId, grainState));

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        StorageFaults.GuardAsync(() => inner.WriteStateAsync(stateName, grainId, grainState));

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        StorageFaults.GuardAsync(() => inner.ClearStateAsync(stateName, grainId, grainState));

    public void Participate(ISiloLifecycle lifecycle) => (inner as ILifecycleParticipant<ISiloLifecycle>)?.Participate(lifecycle);
}
