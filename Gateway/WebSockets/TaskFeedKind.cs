using Orleans.Runtime;

namespace OrleansTasks.Gateway.WebSockets;

/// <summary><c>/ws/task/{id}</c>: one index task.</summary>
public sealed class TaskFeedKind : IFeedKind<IndexTaskSnapshot>
{
    public static readonly TaskFeedKind Instance = new();

    private readonly EncodedEvents<IndexTaskSnapshot> _events = new(ProtocolMessages.ForEvent);

    public string Name => "task";

    public SocketClose NotFound => SocketClose.TaskNotFound;

    public SocketClose Finished => SocketClose.TaskFinished;

    public StreamId StreamFor(Guid id) => TaskStreams.ForTask(id);

    public Task<IndexTaskSnapshot?> ReadAsync(IGrainFactory grains, Guid id) => grains.GetGrain<IIndexTaskGrain>(id).GetSnapshot();

    public byte[] Connected(IndexTaskSnapshot snapshot, DateTimeOffset now) => ProtocolMessages.Connected(snapshot, now);

    public byte[] ForEvent(IndexTaskSnapshot snapshot) => _events.Get(snapshot);
}
