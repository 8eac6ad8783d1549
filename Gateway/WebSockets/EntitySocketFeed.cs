using OrleansTasks.Feeds;
using OrleansTasks.Gateway.Auth;

namespace OrleansTasks.Gateway.WebSockets;

/// <summary>
/// <c>/ws/task/{id}</c> and <c>/ws/batch/{id}</c>: subscribe first, then read the snapshot, so that
/// nothing between the two is missed; an unknown, malformed or hidden id gets the kind's not-found close.
/// </summary>
internal sealed class EntitySocketFeed<T>(FeedRegistry<T> feeds, IFeedKind<T> kind) : ISocketFeed<T>
    where T : class, IFeedSnapshot
{
    public string Name => kind.Name;

    public SocketClose? Finished => kind.Finished;

    public IFeedBacklog<T> NewBacklog(int progressQueueLength) => new FeedDelivery<T>(progressQueueLength, kind.ProgressRises);

    public async Task<IAsyncDisposable?> OpenAsync(SocketRequest request, SocketOutbox<T> outbox)
    {
        var logger = request.Services.Logger;
        if (!Guid.TryParse(request.Id, out var id))
        {
            outbox.RequestClose(kind.NotFound, immediately: true);
            return null;
        }

        IAsyncDisposable? attachment = null;
        try
        {
            attachment = await feeds.AttachAsync(id, outbox);
            var snapshot = await kind.ReadAsync(request.Services.Grains, id);
            if (!request.User.MaySee(snapshot))
            {
                SocketLog.Refused(logger, kind.NotFound.Reason);
                outbox.RequestClose(kind.NotFound, immediately: true);
                await attachment.DisposeAsync();
                return null;
            }

            outbox.Start(snapshot!);
            SocketLog.Watching(logger, request.User.Subject(), kind.Name, request.Id, snapshot!.Seq);
            return attachment;
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // Whatever the cluster threw (a storage provider's exception from a failed activation
            // included), the socket closes with 1011 and the feed attachment is given back.
            SocketLog.OpenFailed(logger, exception, kind.Name, request.Id);
            outbox.RequestClose(SocketClose.InternalError, immediately: true);
            if (attachment is not null)
            {
                await attachment.DisposeAsync();
            }

            return null;
        }
    }

    public byte[] Connected(SocketRequest request, T? first, DateTimeOffset now) => kind.Connected(first!, now);

    public byte[] ForEvent(T snapshot) => kind.ForEvent(snapshot);
}
