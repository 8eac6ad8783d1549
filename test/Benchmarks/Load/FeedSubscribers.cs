using OrleansTasks.Testing;

namespace OrleansTasks.Benchmarks.Load;

/// <summary>
/// The generator's <c>/ws/tasks</c> sockets: users holding one to ten sockets each (user u holds
/// u mod 10 + 1), tasks dealt to the users in turn, and on every socket what it received. Opened
/// and sampled for latency as <see cref="SocketFleet"/> opens and samples its sockets.
/// </summary>
internal sealed class FeedSubscribers : IDisposable
{
    private readonly HttpMessageInvoker _invoker = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero });
    private readonly List<(LoadSocket Socket, OwnerFeedFrames Frames, int User)> _sockets = [];

    private FeedSubscribers(string[] users, int[] socketsOfUser)
    {
        Users = users;
        SocketsOfUser = socketsOfUser;
        Deliveries = new Deliveries(() => (Received, Received));
    }

    /// <summary>The owner ids, one per user.</summary>
    public string[] Users { get; }

    public int[] SocketsOfUser { get; }

    public Deliveries Deliveries { get; }

    public int Count => SocketsOfUser.Sum();

    /// <summary><c>task</c> messages received so far by all sockets.</summary>
    public long Received => _sockets.Sum(socket => socket.Socket.Received);

    /// <summary>Changes skipped so far by all sockets (gaps in a task's <c>seq</c>: coalesced by the gateway).</summary>
    public long Skipped => _sockets.Sum(socket => socket.Frames.Skipped);

    /// <summary>Messages that came out of order or twice, on all sockets.</summary>
    public long Disordered => _sockets.Sum(socket => socket.Frames.Disordered);

    /// <summary>Users enough for <paramref name="subscribers"/> sockets, named after <paramref name="prefix"/>.</summary>
    public static FeedSubscribers ForUsers(int subscribers, string prefix)
    {
        var sockets = new List<int>();
        for (var total = 0; total < subscribers; total += sockets[^1])
        {
            sockets.Add(Math.Min(sockets.Count % 10 + 1, subscribers - total));
        }

        return new FeedSubscribers([.. Enumerable.Range(0, sockets.Count).Select(user => $"{prefix}-{user}")], [.. sockets]);
    }

    /// <summary>The owner of each of <paramref name="tasks"/> tasks: the users in turn.</summary>
    public string[] Owners(int tasks) => [.. Enumerable.Range(0, tasks).Select(task => Users[task % Users.Length])];

    public async Task ConnectAsync(Uri server)
    {
        var plan = Enumerable.Range(0, Users.Length).SelectMany(user => Enumerable.Repeat(user, SocketsOfUser[user])).ToArray();
        var sampleEvery = Math.Max(1, plan.Length / SocketFleet.SampledSockets);
        var opened = new (LoadSocket, OwnerFeedFrames, int)[plan.Length];
        await Parallel.ForEachAsync(Enumerable.Range(0, plan.Length), new ParallelOptions { MaxDegreeOfParallelism = SocketFleet.ConnectsInFlight }, async (i, _) =>
        {
            var frames = new OwnerFeedFrames(i % sampleEvery == 0 ? Deliveries : null);
            var uri = new Uri($"ws://{server.Authority}/ws/tasks?token={TestTokens.For(Users[plan[i]])}");
            opened[i] = (await LoadSocket.ConnectFeedAsync(uri, _invoker, frames), frames, plan[i]);
        });
        _sockets.AddRange(opened);
    }

    /// <summary>Each socket's newest <c>seq</c> of each of its user's tasks (<paramref name="tasks"/> dealt as <see cref="Owners"/> says).</summary>
    public long[][] NewestSeqs(IReadOnlyList<Guid> tasks) =>
        [.. _sockets.Select(socket => TasksOf(socket.User, tasks).Select(task => socket.Frames.NewestSeq(tasks[task])).ToArray())];

    /// <summary>Per socket, the seqs owed for each of its user's tasks: given each task's last published seq.</summary>
    public long[][] Owed(long[] lastSeqs) =>
        [.. _sockets.Select(socket => TasksOf(socket.User, lastSeqs.Length).Select(task => lastSeqs[task]).ToArray())];

    public int SocketsClosed => _sockets.Count(socket => socket.Socket.Ended);

    public void Dispose()
    {
        foreach (var (socket, _, _) in _sockets)
        {
            socket.Dispose();
        }

        _invoker.Dispose();
    }

    private IEnumerable<int> TasksOf(int user, IReadOnlyList<Guid> tasks) => TasksOf(user, tasks.Count);

    private IEnumerable<int> TasksOf(int user, int tasks) =>
        Enumerable.Range(0, tasks).Where(task => task % Users.Length == user);
}
