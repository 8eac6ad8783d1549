using System.Collections.Concurrent;
using OrleansTasks.Streams;
using OrleansTasks.Testing;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// On real silos: every read a task stream queue's pulling agent makes of the queue's grain (one
/// each polling period, events or not) stays inside the agent's silo, as silos join and leave.
/// Each silo records the reads its queue grains answer, with the silo of the agent that asked.
/// </summary>
public sealed class StreamQueuePlacementTests(PostgresServer postgres)
{
    private const int Queues = 4;

    [Fact]
    public async Task Every_queue_read_stays_inside_its_silo_as_silos_join_and_leave()
    {
        var database = await postgres.CreateDatabaseAsync();
        var cluster = "q" + Guid.NewGuid().ToString("N")[..10];
        var reads = new QueueReads();
        await using var first = await PostgresSilo.StartAsync(database, cluster, configure: reads.RecordOn);
        await using var second = await PostgresSilo.StartAsync(database, cluster, configure: reads.RecordOn);
        await reads.AllLocalAsync(silos: 2);

        await using var third = await PostgresSilo.StartAsync(database, cluster, configure: reads.RecordOn);
        await reads.AllLocalAsync(silos: 3);

        await second.StopAsync();
        await reads.AllLocalAsync(silos: 2);
    }

    [Fact]
    public void A_queue_grain_key_names_its_queue_hash()
    {
        var key = Guid.Parse("e6b158c4-225f-d033-0200-008002000000");

        Assert.True(StreamQueueGrainKey.TryReadQueueHash(GrainId.Create("memorystreamqueue", key.ToString("N")), out var hash));
        Assert.Equal(0x80000002u, hash);
        Assert.False(StreamQueueGrainKey.TryReadQueueHash(GrainId.Create("memorystreamqueue", "not-a-guid"), out _));
    }

    private sealed class QueueReads
    {
        private ConcurrentQueue<(uint Queue, SiloAddress Reader, SiloAddress Grain)> _window = new();

        public void RecordOn(ISiloBuilder silo) => silo.AddIncomingGrainCallFilter(async call =>
        {
            if (call.TargetId.Type.ToString() == "memorystreamqueue"
                && call.MethodName == "Dequeue"
                && call.SourceId is { } source
                && SystemTargetGrainId.TryParse(source, out var agent)
                && StreamQueueGrainKey.TryReadQueueHash(call.TargetId, out var queue))
            {
                var here = ((IGrainContext)call.TargetContext).Address.SiloAddress!;
                _window.Enqueue((queue, agent.GetSiloAddress(), here));
            }

            await call.Invoke();
        });

        /// <summary>
        /// Waits for a window of reads, each queue read at least 20 times, in which every read was
        /// answered on the reader's own silo and the readers were that many silos.
        /// </summary>
        public async Task AllLocalAsync(int silos)
        {
            var last = "no reads yet";
            try
            {
                await Eventually.TrueAsync(() =>
                {
                    var window = _window.ToArray();
                    if (window.GroupBy(read => read.Queue).Count(queue => queue.Count() >= 20) < Queues)
                    {
                        return false;
                    }

                    _window = new();
                    var remote = window.Count(read => !read.Reader.Equals(read.Grain));
                    var readers = window.Select(read => read.Reader).Distinct().Count();
                    last = $"{window.Length} reads, {remote} across silos, by {readers} silos";
                    return remote == 0 && readers == silos;
                }, TimeSpan.FromSeconds(60), $"a window of reads of all {Queues} queues, every one local, by {silos} silos");
            }
            catch (TimeoutException timeout)
            {
                throw new TimeoutException($"{timeout.Message} Last window: {last}.", timeout);
            }
        }
    }
}
