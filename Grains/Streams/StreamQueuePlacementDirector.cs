using Orleans.Runtime.Placement;

namespace OrleansTasks.Streams;

/// <summary>
/// Chooses the silo that reads the queue. When that silo cannot host the grain yet (it has not
/// joined every silo's view of the cluster) or the key names no queue, the grain goes to the silo
/// asking, and <see cref="StreamQueueRehoming"/> moves it once the cluster agrees.
/// </summary>
internal sealed class StreamQueuePlacementDirector(StreamQueueOwners owners) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var compatible = context.GetCompatibleSilos(target);
        if (StreamQueueGrainKey.TryReadQueueHash(target.GrainIdentity, out var queueHash)
            && owners.OwnerOf(queueHash, compatible) is { } owner)
        {
            return Task.FromResult(owner);
        }

        return Task.FromResult(compatible.Contains(context.LocalSilo) ? context.LocalSilo : compatible[Random.Shared.Next(compatible.Length)]);
    }
}
