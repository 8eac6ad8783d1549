using Microsoft.Extensions.Logging;
using Orleans.Storage;

namespace OrleansTasks.Storage.Faults;

/// <summary>
/// Grain storage whose failures are the product's exceptions (see <see cref="StorageFaults"/>),
/// logged once here. A state read that fails while a grain activates never reaches a call filter:
/// Orleans rejects the waiting calls with the activation's exception, which must therefore be
/// serializable too.
/// </summary>
/// <remarks>
/// The ADO.NET provider logs each failure with its stack trace before it throws, and Orleans logs
/// a failed state operation again under the category of the store's type, this one; the silo's
/// configuration silences both categories (<see cref="QuietCategories"/>), so that a storm of
/// failures writes one line each.
/// </remarks>
public sealed class StorageFaultBoundary(IGrainStorage inner, ILogger logger) : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>The provider's log category and the one Orleans' <c>StateStorageBridge</c> logs this store's failures under.</summary>
    public static readonly IReadOnlyList<string> QuietCategories = ["Orleans.Storage.AdoNetGrainStorage", typeof(StorageFaultBoundary).FullName!];

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        StorageFaults.GuardAsync(() => inner.ReadStateAsync(stateName, grainId, grainState), logger, $"reading {stateName} state", grainId);

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        StorageFaults.GuardAsync(() => inner.WriteStateAsync(stateName, grainId, grainState), logger, $"writing {stateName} state", grainId);

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        StorageFaults.GuardAsync(() => inner.ClearStateAsync(stateName, grainId, grainState), logger, $"clearing {stateName} state", grainId);

    public void Participate(ISiloLifecycle lifecycle) => (inner as ILifecycleParticipant<ISiloLifecycle>)?.Participate(lifecycle);
}
