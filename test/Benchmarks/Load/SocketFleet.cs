using System.Diagnostics;

namespace OrleansTasks.Benchmarks.Load;

/// <summary>The generator's open sockets on one server, spread over topics.</summary>
internal sealed class SocketFleet : IDisposable
{
    public const int ConnectsInFlight = 64;

    /// <summary>About this many sockets record latencies; the rest only count.</summary>
    public const int SampledSockets = 200;

    private readonly HttpMessageInvoker _invoker = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero });
    private readonly List<LoadSocket> _sockets = [];
    private readonly LoadTarget _target;
    private (long Received, long Events) _retired;

    public SocketFleet(LoadTarget target)
    {
        _target = target;
        Deliveries = new Deliveries(Totals);
    }

    public Deliveries Deliveries { get; }

    public IReadOnlyList<LoadSocket> Sockets => _sockets;

    /// <summary>Opens <paramref name="count"/> sockets, topic after topic, and returns how many opened per second.</summary>
    public async Task<double> ConnectAsync(int count, IReadOnlyList<Guid> topics, Func<int, int>? socketsOnTopic = null)
    {
        var plan = Plan(count, topics, socketsOnTopic);
        var opened = new LoadSocket[plan.Count];
        var sampleEvery = Math.Max(1, (_sockets.Count + plan.Count) / SampledSockets);
        var started = Stopwatch.GetTimestamp();
        await Parallel.ForEachAsync(Enumerable.Range(0, plan.Count), new ParallelOptions { MaxDegreeOfParallelism = ConnectsInFlight },
            async (i, _) => opened[i] = await LoadSocket.ConnectAsync(
                _target, _invoker, plan[i].Topic, plan[i].Counted, i % sampleEvery == 0 ? Deliveries : null));
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        lock (_sockets)
        {
            _sockets.AddRange(opened);
        }

        return opened.Length / seconds;
    }

    /// <summary>One more socket on <paramref name="topic"/>, not counted; throws <see cref="RefusedException"/> when refused.</summary>
    public Task<LoadSocket> ConnectOneAsync(Guid topic) => LoadSocket.ConnectAsync(_target, _invoker, topic, counted: false, latencies: null);

    /// <summary>Replaces the socket at <paramref name="index"/> with a new one on the same topic; returns the time it took.</summary>
    public async Task<TimeSpan> ReconnectAsync(int index)
    {
        var old = _sockets[index];
        old.Dispose();
        lock (_sockets)
        {
            _retired = (_retired.Received + old.Received, _retired.Events + (old.Counted ? old.Received : 0));
            _sockets[index] = LoadSocket.Closed;
        }

        var started = Stopwatch.GetTimestamp();
        var replacement = await LoadSocket.ConnectAsync(_target, _invoker, old.Topic, old.Counted, old.Sampled ? Deliveries : null);
        lock (_sockets)
        {
            _sockets[index] = replacement;
        }

        return Stopwatch.GetElapsedTime(started);
    }

    private (long Received, long Events) Totals()
    {
        lock (_sockets)
        {
            var received = _retired.Received;
            var events = _retired.Events;
            foreach (var socket in _sockets)
            {
                var count = socket.Received;
                received += count;
                events += socket.Counted ? count : 0;
            }

            return (received, events);
        }
    }

    public void AbortAll()
    {
        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }

        _sockets.Clear();
    }

    public void Dispose()
    {
        AbortAll();
        _invoker.Dispose();
    }

    private static List<(Guid Topic, bool Counted)> Plan(int count, IReadOnlyList<Guid> topics, Func<int, int>? socketsOnTopic)
    {
        var plan = new List<(Guid, bool)>(count);
        if (socketsOnTopic is null)
        {
            for (var i = 0; i < count; i++)
            {
                plan.Add((topics[i % topics.Count], i < topics.Count));
            }

            return plan;
        }

        for (var t = 0; t < topics.Count; t++)
        {
            for (var s = 0; s < socketsOnTopic(t); s++)
            {
                plan.Add((topics[t], s == 0));
            }
        }

        return plan;
    }
}
