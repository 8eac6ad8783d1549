using OrleansTasks.Feeds;

namespace OrleansTasks.Gateway.WebSockets;

/// <summary>
/// The one implementation of <see cref="IFeedKind{T}"/>: what differs between tasks and batches is
/// passed in (<see cref="TaskFeedKind"/>, <see cref="BatchFeedKind"/>: a shared <see cref="FeedSources"/>
/// entry and the socket messages); each event's message is encoded once however many sockets send it.
/// </summary>
internal sealed class FeedKind<T>(
    IFeedSource<T> source,
    SocketClose notFound,
    SocketClose finished,
    Func<T, DateTimeOffset, byte[]> connected,
    Func<T, byte[]> forEvent) : IFeedKind<T>
    where T : class, IFeedSnapshot
{
    private readonly EncodedEvents<T> _events = new(forEvent);

    public string Name => source.Name;

    public bool ProgressRises => source.ProgressRises;

    public SocketClose NotFound => notFound;

    public SocketClose Finished => finished;

    public StreamId StreamFor(Guid id) => source.StreamFor(id);

    public Task<T?> ReadAsync(IGrainFactory grains, Guid id) => source.ReadAsync(grains, id);

    public byte[] Connected(T snapshot, DateTimeOffset now) => connected(snapshot, now);

    public byte[] ForEvent(T snapshot) => _events.Get(snapshot);
}
