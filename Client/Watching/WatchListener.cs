using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;
using OrleansTasks.Feeds;

namespace OrleansTasks.Watching;

/// <summary>
/// One watcher's place on a shared feed: the feed's events under the delivery rules every listener
/// shares (<see cref="FeedDelivery{T}"/>), and a doorbell its enumerator waits on. Bounded: a watcher
/// that does not keep up loses intermediate progress (the oldest first), never its terminal snapshot.
/// </summary>
internal sealed class WatchListener<T>(int progressQueueLength) : IFeedListener<T>
    where T : class, IFeedSnapshot
{
    private readonly Lock _lock = new();
    private readonly FeedDelivery<T> _events = new(progressQueueLength);
    private readonly Channel<bool> _doorbell = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });

    public void Queue(T snapshot)
    {
        lock (_lock)
        {
            _events.Queue(snapshot);
        }
    }

    public void Wake() => _doorbell.Writer.TryWrite(true);

    public void Start(T snapshot)
    {
        lock (_lock)
        {
            _events.Start(snapshot);
        }

        Wake();
    }

    public bool TryTake([MaybeNullWhen(false)] out T snapshot)
    {
        lock (_lock)
        {
            return _events.TryTakeFirst(out snapshot) || _events.TryTakeNext(out snapshot);
        }
    }

    public ValueTask<bool> WaitAsync(CancellationToken cancellationToken) => _doorbell.Reader.ReadAsync(cancellationToken);
}
