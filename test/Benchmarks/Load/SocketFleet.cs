using System.Diagnostics;

namespace OrleansTasks.Benchmarks.Load;

/// <summary>The generator's open sockets on one server, spread over topics.</summary>
internal sealed class SocketFleet(LoadTarget target) : IDisposable
{
    private const int ConnectsInFlight = 64;
    private readonly HttpMessageInvoker _invoker = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero });
    private readonly List<LoadSocket> _sockets = [];

    public Deliveries Deliveries { get; } = new();

    public IReadOnlyList<LoadSocket> Sockets => _sockets;

    /// <summary>Opens <paramref name="count"/> sockets, topic after topic, and returns how many opened per second.</summary>
    public async Task<double> ConnectAsync(int count, IReadOnlyList<Guid> topics, Func<int, int>? socketsOnTopic = null)
    {
        var plan = Plan(count, topics, socketsOnTopic);
        var opened = new LoadSocket[plan.Count];
        var started = Stopwatch.GetTimestamp();
        await Parallel.ForEachAsync(Enumerable.Range(0, plan.Count), new ParallelOptions { MaxDegreeOfParallelism = ConnectsInFlight },
            async (i, _) => opened[i] = await LoadSocket.ConnectAsync(target, _invoker, plan[i].Topic, plan[i].Counted, Deliveries));
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        _sockets.AddRange(opened);
        return opened.Length / seconds;
    }

    /// <summary>One more socket on <paramref name="topic"/>, not counted; throws <see cref="RefusedException"/> when refused.</summary>
    public Task<LoadSocket> ConnectOneAsync(Guid topic) => LoadSocket.ConnectAsync(target, _invoker, topic, counted: false, Deliveries);

    /// <summary>Replaces the socket at <paramref name="index"/> with a new one on the same topic; returns the time it took.</summary>
    public async Task<TimeSpan> ReconnectAsync(int index)
    {
        var old = _sockets[index];
        old.Dispose();
        var started = Stopwatch.GetTimestamp();
        _sockets[index] = await LoadSocket.ConnectAsync(target, _invoker, old.Topic, old.Counted, Deliveries);
        return Stopwatch.GetElapsedTime(started);
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
