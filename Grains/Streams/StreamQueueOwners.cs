using Orleans.Streams;

namespace OrleansTasks.Streams;

/// <summary>
/// Which silo reads which of the task stream provider's queues. The queue balancer hands each silo
/// its queues by this rule, and the queues' grains are placed by the same rule, so that a pulling
/// agent's reads (one every polling period, events or not) stay inside its silo instead of
/// crossing the network.
/// </summary>
/// <remarks>
/// Queues, ordered by their ring hash, are dealt to the silos, ordered by address, in turn: every
/// silo reads as many queues as any other, give or take one, and every silo that applies the rule
/// to the same set of silos agrees on the owner of each queue.
/// </remarks>
public sealed class StreamQueueOwners
{
    private readonly QueueId[] _queues;
    private readonly Dictionary<uint, int> _positionByHash;

    public StreamQueueOwners(IEnumerable<QueueId> queues)
    {
        _queues = queues.OrderBy(queue => queue.GetUniformHashCode()).ThenBy(queue => queue.GetNumericId()).ToArray();
        _positionByHash = new Dictionary<uint, int>(_queues.Length);
        for (var position = 0; position < _queues.Length; position++)
        {
            if (!_positionByHash.TryAdd(_queues[position].GetUniformHashCode(), position))
            {
                throw new ArgumentException($"Two stream queues share the ring hash {_queues[position].GetUniformHashCode()}.", nameof(queues));
            }
        }
    }

    public IReadOnlyList<QueueId> Queues => _queues;

    /// <summary>The silo that reads the queue with this ring hash, or null for a hash that is none of the queues' or no silo at all.</summary>
    public SiloAddress? OwnerOf(uint queueHash, IEnumerable<SiloAddress> silos)
    {
        if (!_positionByHash.TryGetValue(queueHash, out var position))
        {
            return null;
        }

        var ordered = Order(silos);
        return ordered.Length == 0 ? null : ordered[position % ordered.Length];
    }

    /// <summary>The queues this silo reads while these silos are active (none when it is not among them).</summary>
    public IReadOnlyList<QueueId> QueuesOf(SiloAddress silo, IEnumerable<SiloAddress> silos)
    {
        var ordered = Order(silos);
        var index = Array.IndexOf(ordered, silo);
        if (index < 0)
        {
            return [];
        }

        var mine = new List<QueueId>();
        for (var position = index; position < _queues.Length; position += ordered.Length)
        {
            mine.Add(_queues[position]);
        }

        return mine;
    }

    private static SiloAddress[] Order(IEnumerable<SiloAddress> silos) =>
        silos.Distinct().OrderBy(silo => silo.ToParsableString(), StringComparer.Ordinal).ToArray();
}
