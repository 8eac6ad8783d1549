using System.Collections.Concurrent;
using System.Diagnostics;

namespace OrleansTasks.Benchmarks.Servers;

/// <summary>The peers' stand-in for a task: a loop per topic publishing at a set rate, like <see cref="LoadPublisherGrain"/>.</summary>
internal sealed class PeerPublisher(Func<Guid, IndexTaskSnapshot, Task> broadcast) : ILoadTarget
{
    private static readonly TimeSpan FastestTick = TimeSpan.FromMilliseconds(10);
    private readonly ConcurrentDictionary<Guid, long> _published = new();
    private readonly ConcurrentDictionary<Guid, IndexTaskSnapshot> _starts = new();

    public Task<Guid[]> CreateTopicsAsync(int count)
    {
        var topics = Enumerable.Range(0, count).Select(_ => Guid.NewGuid()).ToArray();
        foreach (var topic in topics)
        {
            _starts[topic] = SampleEvents.Waiting(topic, DateTimeOffset.UtcNow);
        }

        return Task.FromResult(topics);
    }

    public Task StartPublishingAsync(IReadOnlyList<Guid> topics, int eventsPerSecond, TimeSpan duration)
    {
        foreach (var topic in topics)
        {
            _ = Task.Run(() => PublishAsync(topic, eventsPerSecond, duration));
        }

        return Task.CompletedTask;
    }

    private async Task PublishAsync(Guid topic, int rate, TimeSpan duration)
    {
        var period = TimeSpan.FromSeconds(1.0 / rate);
        using var timer = new PeriodicTimer(period < FastestTick ? FastestTick : period);
        var started = Stopwatch.GetTimestamp();
        var start = _starts[topic];
        long sent = 0;
        do
        {
            var elapsed = Stopwatch.GetElapsedTime(started);
            if (elapsed >= duration)
            {
                return;
            }

            var owed = (long)(elapsed.TotalSeconds * rate) + 1 - sent;
            for (var i = 0; i < owed; i++)
            {
                sent++;
                var count = _published.AddOrUpdate(topic, 1, (_, previous) => previous + 1);
                await broadcast(topic, SampleEvents.Progress(start, count, DateTimeOffset.UtcNow));
            }
        }
        while (await timer.WaitForNextTickAsync());
    }
}
