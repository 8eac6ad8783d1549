using System.Security.Claims;
using OrleansTasks.Feeds;

namespace OrleansTasks.Gateway.WebSockets;

/// <summary>
/// What a socket follows — one task, one batch (<see cref="EntitySocketFeed{T}"/>), or an owner's
/// tasks (<see cref="OwnerSocketFeed"/>) — as its session sees it: how it is opened and what its
/// messages are. The session does the rest the same way for all.
/// </summary>
public interface ISocketFeed<T>
    where T : class, IFeedSnapshot
{
    /// <summary>"task", "batch" or "owner feed", for logs.</summary>
    string Name { get; }

    /// <summary>The close sent after a terminal message; null for a feed that never ends.</summary>
    SocketClose? Finished { get; }

    /// <summary>A new socket's backlog, under the feed's delivery rules.</summary>
    IFeedBacklog<T> NewBacklog(int progressQueueLength);

    /// <summary>
    /// Authorises the socket and attaches its outbox to the feed, then starts the outbox. When the
    /// socket may not follow the feed, asks the outbox to close and returns null.
    /// </summary>
    Task<IAsyncDisposable?> OpenAsync(SocketRequest request, SocketOutbox<T> outbox);

    /// <summary>The <c>connected</c> message; <paramref name="first"/> is the snapshot the feed started with, if it has one.</summary>
    byte[] Connected(SocketRequest request, T? first, DateTimeOffset now);

    /// <summary>The message for a change.</summary>
    byte[] ForEvent(T snapshot);
}

/// <summary>One socket's request: the route's id (or the owner feed's scope) and the signed-in user.</summary>
public sealed record SocketRequest(string Id, ClaimsPrincipal User, SocketServices Services);
