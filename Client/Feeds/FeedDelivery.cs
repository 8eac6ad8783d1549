using System.Diagnostics.CodeAnalysis;

namespace OrleansTasks.Feeds;

/// <summary>
/// The delivery rules of every feed listener, a gateway's socket and a service's watcher alike:
/// first the snapshot read after subscribing, then changes with strictly rising <c>seq</c>; events
/// at or below the <c>seq</c> already covered are dropped, and, for a feed whose progress only rises
/// (a task's), so is progress that would go backwards. A batch's rolled-up progress legitimately goes
/// back (a source task's total is 0 until it has counted its documents), so its feed is ordered by
/// <c>seq</c> alone: a newer change is never held back for its lower progress. It holds at most <c>progressQueueLength</c> pending progress events (when full,
/// the oldest is dropped: with a length of one, latest wins) and one terminal event, which is
/// never dropped and ends the feed. Not thread-safe: its owner serialises calls.
/// </summary>
/// <typeparam name="T">The snapshot the feed carries.</typeparam>
internal sealed class FeedDelivery<T> : IFeedBacklog<T>
    where T : class, IFeedSnapshot
{
    private readonly int _progressQueueLength;
    private readonly bool _progressRises;
    private readonly Queue<T> _progress;
    private T? _connected;
    private T? _terminal;
    private bool _started;
    private bool _terminalTaken;
    private long _coveredSeq;
    private long _lastQueuedSeq;
    private int _highestProgress;

    /// <summary>A queue holding at most <paramref name="progressQueueLength"/> pending progress events.</summary>
    /// <param name="progressQueueLength">Pending progress events held at most.</param>
    /// <param name="progressRises">True to drop progress that would go backwards (see <see cref="IFeedSource{T}.ProgressRises"/>).</param>
    public FeedDelivery(int progressQueueLength = 1, bool progressRises = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(progressQueueLength, 1);
        _progressQueueLength = progressQueueLength;
        _progressRises = progressRises;
        _progress = new Queue<T>(progressQueueLength);
    }

    /// <summary>True once <see cref="Start"/> has given the first snapshot: only then is anything taken.</summary>
    public bool IsStarted => _started;

    /// <summary>True once the terminal snapshot has been taken: nothing follows it.</summary>
    public bool IsEnded => _terminalTaken;

    /// <summary>
    /// Takes a snapshot from the stream (or a reconciliation). Events queued before
    /// <see cref="Start"/> wait and are filtered against the first snapshot.
    /// </summary>
    public FeedDeliveryOutcome Queue(T snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (_terminal is not null || _terminalTaken || (_started && snapshot.Seq <= _coveredSeq))
        {
            return FeedDeliveryOutcome.Dropped;
        }

        if (snapshot.IsTerminal)
        {
            _terminal = snapshot;
            return FeedDeliveryOutcome.Queued;
        }

        // Before the first snapshot, progress is not compared: which events it makes obsolete decides (see Start).
        if ((_started && _progressRises && snapshot.Progress < _highestProgress) || snapshot.Seq <= _lastQueuedSeq)
        {
            return FeedDeliveryOutcome.Dropped;
        }

        var outcome = FeedDeliveryOutcome.Queued;
        if (_progress.Count == _progressQueueLength)
        {
            _progress.Dequeue();
            outcome = FeedDeliveryOutcome.Coalesced;
        }

        _progress.Enqueue(snapshot);
        _lastQueuedSeq = snapshot.Seq;
        _highestProgress = snapshot.Progress;
        return outcome;
    }

    /// <summary>Begins with the snapshot read after subscribing; its terminal follows it at once if it has ended.</summary>
    public void Start(T? first)
    {
        ArgumentNullException.ThrowIfNull(first);
        var snapshot = first;
        _started = true;
        _connected = snapshot;
        _coveredSeq = snapshot.Seq;

        // What is left to send decides what comes next, not the events the first snapshot made
        // obsolete: a task resumed below an older activation's progress goes on from the snapshot.
        var waiting = _progress.Where(queued => queued.Seq > snapshot.Seq).ToList();
        _progress.Clear();
        _highestProgress = snapshot.Progress;
        _lastQueuedSeq = snapshot.Seq;
        foreach (var queued in waiting)
        {
            if (_progressRises && queued.Progress < _highestProgress)
            {
                continue;
            }

            _progress.Enqueue(queued);
            _highestProgress = queued.Progress;
            _lastQueuedSeq = queued.Seq;
        }

        if (snapshot.IsTerminal)
        {
            _progress.Clear();
            _terminal = snapshot;
        }
        else if (_terminal is not null && _terminal.Seq <= snapshot.Seq)
        {
            _terminal = null;
        }
    }

    /// <summary>The first snapshot, once, after <see cref="Start"/>.</summary>
    public bool TryTakeFirst([NotNullWhen(true)] out T? snapshot)
    {
        snapshot = _started ? _connected : null;
        _connected = _started ? null : _connected;
        return snapshot is not null;
    }

    /// <summary>The next change after the first snapshot: progress in order, then the terminal.</summary>
    public bool TryTakeNext([MaybeNullWhen(false)] out T snapshot)
    {
        if (_started && _progress.TryDequeue(out var progress))
        {
            _coveredSeq = progress.Seq;
            snapshot = progress;
            return true;
        }

        if (_started && _terminal is { } terminal)
        {
            _terminal = null;
            _terminalTaken = true;
            _coveredSeq = terminal.Seq;
            snapshot = terminal;
            return true;
        }

        snapshot = null;
        return false;
    }
}

/// <summary>What <see cref="FeedDelivery{T}.Queue"/> did with a snapshot.</summary>
internal enum FeedDeliveryOutcome
{
    /// <summary>Queued.</summary>
    Queued,

    /// <summary>Queued in place of the oldest pending progress, which was dropped.</summary>
    Coalesced,

    /// <summary>Dropped: already covered, older than what is queued, progress going back (where it only rises), or after the terminal.</summary>
    Dropped,
}
