using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;
using OrleansTasks.Feeds;

namespace OrleansTasks.Watching;

/// <summary>
/// One watcher's place on a shared feed: the feed's events under the delivery rules every listener
/// of its kind shares (<see cref="IFeedBacklog{T}"/>), and a doorbell its enumerator waits on. Bounded:
/// a watcher that does not keep up loses intermediate progress, never a terminal snapshot.
/// </summary>
internal sealed class WatchListener<T>(IFeedBacklog<T> events) : IFeedListener<T>
    where T : class, IFeedSnapshot
{
    private readonly Lock _lock = new();
    private readonly IFeedBacklog<T> _events = events;
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

    public void Start(T? first)
    {
        lock (_lock)
        {
            _events.Start(first);
        }

        Wake();
    }

    public bool TryTake([MaybeNullWhen(false)] out T snapshot)
    {
        lock (_lock)
        {
            // A feed without a first snapshot (an owner's) has nothing to hand out for it.
            if (_events.TryTakeFirst(out var first) && first is not null)
            {
                snapshot = first;
                return true;
            }

            return _events.TryTakeNext(out snapshot);
        }
    }

    public ValueTask<bool> WaitAsync(CancellationToken cancellationToken) => _doorbell.Reader.ReadAsync(cancellationToken);
}
