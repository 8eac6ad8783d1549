using System.Threading.Channels;

namespace OrleansTasks.Gateway.WebSockets;

/// <summary>
/// The bounded queue between a feed (a task's or a batch's) and one socket's send loop. It holds at most
/// <paramref name="progressQueueLength"/> pending progress events (when full, the oldest is dropped:
/// with the default of one, latest wins), one terminal event (never dropped), owed pongs and a close
/// request, so a slow client costs a fixed amount of memory and never slows the feed. Events at or
/// below the <c>seq</c> already covered are dropped, and so is progress that would go backwards.
/// </summary>
public sealed class SocketOutbox<T>(GatewayMetrics? metrics = null, int progressQueueLength = 1) : IFeedListener<T>
    where T : class, IFeedSnapshot
{
    private const int MaxOwedPongs = 4;
    private readonly Queue<T> _progress = new(progressQueueLength);

    private readonly Lock _lock = new();
    private readonly Channel<bool> _doorbell = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
        AllowSynchronousContinuations = true,
    });

    private T? _connected;
    private T? _terminal;
    private SocketClose? _close;
    private bool _closeImmediately;
    private bool _started;
    private bool _terminalTaken;
    private long _coveredSeq;
    private long _lastQueuedSeq;
    private int _highestProgress;
    private int _owedPongs;

    /// <summary>Events queued before <see cref="Start"/> wait here and are filtered against the snapshot.</summary>
    public void Queue(T snapshot)
    {
        lock (_lock)
        {
            if (_terminal is not null || _terminalTaken || _close is not null || (_started && snapshot.Seq <= _coveredSeq))
            {
                metrics?.EventDropped();
                return;
            }

            if (snapshot.IsTerminal)
            {
                _terminal = snapshot;
            }
            else if (snapshot.Progress >= _highestProgress && snapshot.Seq > _lastQueuedSeq)
            {
                if (_progress.Count == progressQueueLength)
                {
                    _progress.Dequeue();
                    metrics?.ProgressCoalesced();
                }

                _progress.Enqueue(snapshot);
                _lastQueuedSeq = snapshot.Seq;
                _highestProgress = snapshot.Progress;
            }
            else
            {
                metrics?.EventDropped();
            }
        }
    }

    /// <summary>Begins with the snapshot read after subscribing: <c>connected</c>, then its terminal message if it has ended.</summary>
    public void Start(T snapshot)
    {
        lock (_lock)
        {
            _started = true;
            _connected = snapshot;
            _coveredSeq = snapshot.Seq;
            _highestProgress = Math.Max(_highestProgress, snapshot.Progress);
            while (_progress.TryPeek(out var oldest) && (oldest.Seq <= snapshot.Seq || oldest.Progress < snapshot.Progress))
            {
                _progress.Dequeue();
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

        Wake();
    }

    public void QueuePong()
    {
        lock (_lock)
        {
            _owedPongs = Math.Min(_owedPongs + 1, MaxOwedPongs);
        }

        Wake();
    }

    /// <summary>
    /// Asks the send loop to close. <paramref name="immediately"/> drops whatever is queued (a
    /// protocol violation or shutdown); otherwise queued messages go first. The first request wins.
    /// </summary>
    public void RequestClose(SocketClose close, bool immediately)
    {
        lock (_lock)
        {
            if (_close is not null)
            {
                return;
            }

            _close = close;
            _closeImmediately = immediately;
        }

        Wake();
    }

    /// <summary>
    /// Completes when something may have been queued since the last <see cref="TryTake"/>. Awaiting
    /// it straight from a long-lived loop allocates nothing: the channel reuses one operation.
    /// </summary>
    public ValueTask<bool> WaitAsync(CancellationToken cancellationToken) => _doorbell.Reader.ReadAsync(cancellationToken);

    public OutgoingMessage? TryTake()
    {
        lock (_lock)
        {
            if (_close is not null && _closeImmediately)
            {
                return OutgoingMessage.Close(_close);
            }

            if (_started && _connected is { } connected)
            {
                _connected = null;
                return OutgoingMessage.Connected(connected);
            }

            if (_started && _owedPongs > 0)
            {
                _owedPongs--;
                return OutgoingMessage.Pong();
            }

            if (_started && _progress.TryDequeue(out var progress))
            {
                _coveredSeq = progress.Seq;
                return OutgoingMessage.FeedEvent(progress);
            }

            if (_started && _terminal is { } terminal)
            {
                _terminal = null;
                _terminalTaken = true;
                _coveredSeq = terminal.Seq;
                return OutgoingMessage.FeedEvent(terminal);
            }

            return _close is not null ? OutgoingMessage.Close(_close) : null;
        }
    }

    /// <summary>
    /// Wakes the send loop if it waits. It then runs on this thread until a send would wait, so a
    /// feed waking many sockets from one work item sends to them without a thread hop each.
    /// </summary>
    public void Wake() => _doorbell.Writer.TryWrite(true);
}
