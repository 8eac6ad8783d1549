namespace OrleansTasks.Gateway.WebSockets;

/// <summary>What differs between the things a socket can watch — tasks and batches — and nothing else.</summary>
public interface IFeedKind<T>
    where T : class, IFeedSnapshot
{
    /// <summary>"task" or "batch", for logs.</summary>
    string Name { get; }

    /// <summary>The close sent for an unknown id, a malformed id, or one the user may not see.</summary>
    SocketClose NotFound { get; }

    /// <summary>The close sent after the terminal message.</summary>
    SocketClose Finished { get; }

    StreamId StreamFor(Guid id);

    /// <summary>The current state from its grain, or null when nothing has this id.</summary>
    Task<T?> ReadAsync(IGrainFactory grains, Guid id);

    byte[] Connected(T snapshot, DateTimeOffset now);

    /// <summary>The message for a change: <c>progress</c>, or the terminal message once it has ended.</summary>
    byte[] ForEvent(T snapshot);
}
