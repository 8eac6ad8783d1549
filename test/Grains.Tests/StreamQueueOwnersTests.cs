using System.Net;
using Orleans.Configuration;
using Orleans.Streams;
using OrleansTasks.Streams;

namespace OrleansTasks.Grains.Tests;

public sealed class StreamQueueOwnersTests
{
    private static readonly QueueId[] EightQueues =
        [.. new HashRingBasedStreamQueueMapper(new HashRingStreamQueueMapperOptions { TotalQueueCount = 8 }, "TaskEvents").GetAllQueues()];

    private static SiloAddress Silo(int port) => SiloAddress.New(new IPEndPoint(IPAddress.Loopback, port), 1);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    public void Every_queue_has_one_reader_and_readers_differ_by_at_most_one_queue(int silos)
    {
        var owners = new StreamQueueOwners(EightQueues);
        var active = Enumerable.Range(0, silos).Select(i => Silo(11_000 + i)).ToArray();

        var byReader = active.ToDictionary(silo => silo, silo => owners.QueuesOf(silo, active));

        Assert.Equal(EightQueues.OrderBy(q => q.GetUniformHashCode()), byReader.Values.SelectMany(q => q).OrderBy(q => q.GetUniformHashCode()));
        Assert.InRange(byReader.Values.Max(q => q.Count) - byReader.Values.Min(q => q.Count), 0, 1);
        Assert.All(byReader, reader => Assert.All(reader.Value, queue => Assert.Equal(reader.Key, owners.OwnerOf(queue.GetUniformHashCode(), active))));
    }

    [Fact]
    public void Silos_agree_whatever_order_they_list_the_cluster_in()
    {
        var owners = new StreamQueueOwners(EightQueues);
        var active = new[] { Silo(11_002), Silo(11_000), Silo(11_001) };
        var reversed = active.Reverse().ToArray();

        Assert.All(EightQueues, queue => Assert.Equal(
            owners.OwnerOf(queue.GetUniformHashCode(), active), owners.OwnerOf(queue.GetUniformHashCode(), reversed)));
    }

    [Fact]
    public void A_silo_outside_the_cluster_reads_nothing_and_an_unknown_hash_has_no_owner()
    {
        var owners = new StreamQueueOwners(EightQueues);
        var active = new[] { Silo(11_000), Silo(11_001) };

        Assert.Empty(owners.QueuesOf(Silo(11_009), active));
        Assert.Null(owners.OwnerOf(12345u, active));
        Assert.Null(owners.OwnerOf(EightQueues[0].GetUniformHashCode(), []));
    }
}
