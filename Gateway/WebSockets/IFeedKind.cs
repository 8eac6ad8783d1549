using OrleansTasks.Feeds;

namespace OrleansTasks.Gateway.WebSockets;

/// <summary>What differs between the things a socket can watch — tasks and batches — beyond their <see cref="IFeedSource{T}"/>.</summary>
internal interface IFeedKind<T> : IFeedSource<T>
    where T : class, IFeedSnapshot
{
    /// <summary>The close sent for an unknown id, a malformed id, or one the user may not see.</summary>
    SocketClose NotFound { get; }

    /// <summary>The close sent after the terminal message.</summary>
    SocketClose Finished { get; }

    byte[] Connected(T snapshot, DateTimeOffset now);

    /// <summary>The message for a change: <c>progress</c>, or the terminal message once it has ended.</summary>
    byte[] ForEvent(T snapshot);
}
