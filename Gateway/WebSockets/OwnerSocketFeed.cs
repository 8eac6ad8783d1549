using OrleansTasks.Feeds;
using OrleansTasks.Gateway.Auth;

namespace OrleansTasks.Gateway.WebSockets;

/// <summary>
/// <c>/ws/tasks</c>: the caller's tasks, batches and schedules, or everyone's for an admin asking
/// for <c>scope=all</c>; the request's id is the scope. The feed never ends.
/// </summary>
internal sealed class OwnerSocketFeed(OwnerFeedRegistry feeds) : ISocketFeed<IOwnerFeedItem>
{
    public const string OwnScope = "mine";
    public const string AllScope = "all";

    private readonly EncodedEvents<IOwnerFeedItem> _events = new(OwnerFeedMessages.For);

    public string Name => "owner feed";

    public SocketClose? Finished => null;

    public IFeedBacklog<IOwnerFeedItem> NewBacklog(int progressQueueLength) => new OwnerFeedDelivery();

    public async Task<IAsyncDisposable?> OpenAsync(SocketRequest request, SocketOutbox<IOwnerFeedItem> outbox)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(outbox);
        if (ScopeOf(request) is not { } scope)
        {
            SocketLog.Refused(request.Services.Logger, SocketClose.ScopeNotAllowed.Reason);
            outbox.RequestClose(SocketClose.ScopeNotAllowed, immediately: true);
            return null;
        }

        try
        {
            var attachment = await feeds.AttachAsync(scope, outbox);
            outbox.Start(null);
            SocketLog.Following(request.Services.Logger, request.User.Subject(), scope.ToString());
            return attachment;
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            SocketLog.OpenFailed(request.Services.Logger, exception, Name, scope.ToString());
            outbox.RequestClose(SocketClose.InternalError, immediately: true);
            return null;
        }
    }

    public byte[] Connected(SocketRequest request, IOwnerFeedItem? first, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        return OwnerFeedMessages.Connected(ScopeOf(request)!, request.User.Subject(), now);
    }

    public byte[] ForEvent(IOwnerFeedItem snapshot) => _events.Get(snapshot);

    /// <summary>The scope asked for, or null when it is unknown or not the caller's to follow.</summary>
    private static OwnerScope? ScopeOf(SocketRequest request) => request.Id switch
    {
        OwnScope => OwnerScope.Of(request.User.Subject()),
        AllScope when request.User.IsAdmin() => OwnerScope.Everyone,
        _ => null,
    };
}
