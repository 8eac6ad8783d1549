using Microsoft.Extensions.Logging;
using Orleans.Streams;

namespace OrleansTasks.Streams;

/// <summary>
/// Hands this silo the task stream queues <see cref="StreamQueueOwners"/> gives it among the active
/// silos, the rule the queues' grains are placed by. Orleans' default balancer splits the queues by
/// a hash ring that placement cannot see, so a queue's grain often lived on another silo than its
/// reader: every read crossed the network.
/// </summary>
internal sealed class StreamQueueBalancer(IServiceProvider services, StreamQueueOwners owners, ILogger<StreamQueueBalancer> logger)
    : QueueBalancerBase(services, logger)
{
    private IReadOnlyList<QueueId> _mine = [];

    public override Task Initialize(IStreamQueueMapper queueMapper)
    {
        var provided = queueMapper.GetAllQueues().ToHashSet();
        if (!provided.SetEquals(owners.Queues))
        {
            throw new InvalidOperationException(
                $"The task stream provider has {provided.Count} queues and the placement of their grains assumes {owners.Queues.Count}: Streams:Queues must be read from the same configuration by both.");
        }

        return base.Initialize(queueMapper);
    }

    public override IEnumerable<QueueId> GetMyQueues() => Volatile.Read(ref _mine);

    protected override void OnClusterMembershipChange(HashSet<SiloAddress> activeSilos)
    {
        Volatile.Write(ref _mine, owners.QueuesOf(SiloAddress, activeSilos));
        _ = NotifyListeners();
    }
}
