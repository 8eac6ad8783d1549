using System.Threading.Channels;
using OrleansTasks.Feeds;

namespace OrleansTasks.Gateway.WebSockets;

/// <summary>
/// The bounded queue between a feed (a task's or a batch's) and one socket's send loop: the
/// feed's events under the delivery rules every listener shares (<see cref="FeedDelivery{T}"/>: at most
/// <paramref name="progressQueueLength"/> pending progress events, latest wins, one terminal event
/// never dropped, nothing covered twice, a task's progress never backwards), owed pongs and a close
/// request, so a slow client costs a fixed amount of memory and never slows the feed.
/// </summary>
/// <param name="backlog">The delivery rules; by default those of one task or batch (<see cref="FeedDelivery{T}"/>).</param>
internal sealed class SocketOutbox<T>(GatewayMetrics? metrics = null, int progressQueueLength = 1, IFeedBacklog<T>? backlog = null) : IFeedListener<T>
    where T : class, IFeedSnapshot
{
    private const int MaxOwedPongs = 4;
    private readonly IFeedBacklog<T> _events = backlog ?? new FeedDelivery<T>(progressQueueLength);

    private readonly Lock _lock = new();
    private readonly Channel<bool> _doorbell = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
        AllowSynchronousContinuations = true,
    });

    private SocketClose? _close;
    private bool _closeImmediately;
    private int _owedPongs;

    /// <summary>Events queued before <see cref="Start"/> wait here and are filtered against the snapshot.</summary>
    public void Queue(T snapshot)
    {
        FeedDeliveryOutcome outcome;
        lock (_lock)
        {
            outcome = _close is not null ? FeedDeliveryOutcome.Dropped : _events.Queue(snapshot);
        }

        if (outcome == FeedDeliveryOutcome.Dropped)
        {
            metrics?.EventDropped();
        }
        else if (outcome == FeedDeliveryOutcome.Coalesced)
        {
            metrics?.ProgressCoalesced();
        }
    }

    /// <summary>
    /// Begins with the snapshot read after subscribing: <c>connected</c>, then its terminal message if
    /// it has ended; null for a feed without a first snapshot (an owner's).
    /// </summary>
    public void Start(T? first)
    {
        lock (_lock)
        {
            _events.Start(first);
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

            if (_events.TryTakeFirst(out var first))
            {
                return OutgoingMessage.Connected(first);
            }

            if (_events.IsStarted && _owedPongs > 0)
            {
                _owedPongs--;
                return OutgoingMessage.Pong();
            }

            if (_events.TryTakeNext(out var next))
            {
                return OutgoingMessage.FeedEvent(next);
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
