using System.Net.WebSockets;
using System.Security.Claims;
using OrleansTasks.Gateway.Auth;

namespace OrleansTasks.Gateway.WebSockets;

/// <summary>
/// One accepted WebSocket on a task, a batch or an owner's tasks: a receive loop for the client's messages and a
/// send loop fed by the socket's <see cref="SocketOutbox{T}"/>. Every frame the server sends, closes included, goes
/// through the send loop, so sends never overlap; a failed send ends this socket only.
/// </summary>
internal sealed class FeedSocketSession<T>(
    WebSocket socket,
    SocketRequest request,
    ISocketFeed<T> feed,
    ReadProbe? probe)
    where T : class, IFeedSnapshot
{
    private readonly SocketServices _services = request.Services;
    private readonly ClaimsPrincipal _user = request.User;
    private readonly string _id = request.Id;
    private readonly SocketOutbox<T> _outbox = new(request.Services.Metrics, backlog: feed.NewBacklog(request.Services.ProgressQueueLength));
    private readonly ILogger _logger = request.Services.Logger;
    private readonly TimeProvider _time = request.Services.Time;
    private readonly SendClock _sends = new();

    public async Task RunAsync()
    {
        var sending = SendLoopAsync();
        var receiving = ReceiveLoopAsync();
        using var stopping = _services.Stopping.Register(() => _outbox.RequestClose(SocketClose.GoingAway, immediately: true));
        using var expiry = ScheduleExpiry();
        using var slow = _services.SlowConsumers.Watch(probe?.Pings, _sends, OnPingUnanswered, OnSendStuck);
        await using (await OpenAsync())
        {
            await sending;
            if (await Task.WhenAny(receiving, Task.Delay(SocketLimits.CloseHandshakeTimeout, _time)) != receiving)
            {
                socket.Abort();
            }

            await receiving;
        }
    }

    /// <summary>Checks the credentials, then lets the feed authorise and attach the socket.</summary>
    private Task<IAsyncDisposable?> OpenAsync()
    {
        if (_user.Identity?.IsAuthenticated != true)
        {
            SocketLog.Refused(_logger, SocketClose.AuthenticationFailed.Reason);
            _outbox.RequestClose(SocketClose.AuthenticationFailed, immediately: true);
            return Task.FromResult<IAsyncDisposable?>(null);
        }

        return feed.OpenAsync(request, _outbox);
    }

    private async Task SendLoopAsync()
    {
        try
        {
            while (true)
            {
                if (_outbox.TryTake() is not { } next)
                {
                    await _outbox.WaitAsync(CancellationToken.None);
                    continue;
                }

                switch (next.Kind)
                {
                    case OutgoingKind.Close:
                        await CloseAsync(next.Reason!);
                        return;
                    case OutgoingKind.Connected:
                        await SendAsync(feed.Connected(request, (T?)next.Snapshot, _time.GetUtcNow()));
                        _services.Metrics.MessageSent(SentMessage.Connected);
                        break;
                    case OutgoingKind.Pong:
                        await SendAsync(ProtocolMessages.Pong(_time.GetUtcNow()));
                        _services.Metrics.MessageSent(SentMessage.Pong);
                        break;
                    case OutgoingKind.FeedEvent:
                        var snapshot = (T)next.Snapshot!;
                        await SendAsync(feed.ForEvent(snapshot));
                        _services.Metrics.MessageSent(snapshot.IsTerminal ? SentMessage.Terminal : SentMessage.Progress);
                        if (snapshot.IsTerminal && feed.Finished is { } finished)
                        {
                            _outbox.RequestClose(finished, immediately: false);
                        }

                        break;
                }
            }
        }
        catch (Exception exception) when (exception is WebSocketException or ObjectDisposedException or InvalidOperationException
            or OperationCanceledException or IOException)
        {
            SocketLog.SendFailed(_logger, feed.Name, _id, exception.Message);
            socket.Abort();
        }
    }

    /// <summary>Sends a message, then a <see cref="ReadProbe"/> when one is due: the send clock covers both.</summary>
    private ValueTask SendAsync(byte[] message)
    {
        _sends.Started();
        var sending = socket.SendAsync(message.AsMemory(), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        if (!sending.IsCompletedSuccessfully)
        {
            return ProbeWhenSentAsync(sending);
        }

        sending.GetAwaiter().GetResult();
        var probing = probe?.AfterMessageAsync() ?? ValueTask.CompletedTask;
        if (!probing.IsCompletedSuccessfully)
        {
            return EndWhenSentAsync(probing);
        }

        probing.GetAwaiter().GetResult();
        _sends.Finished();
        return ValueTask.CompletedTask;
    }

    private async ValueTask ProbeWhenSentAsync(ValueTask sending)
    {
        await sending;
        await EndWhenSentAsync(probe?.AfterMessageAsync() ?? ValueTask.CompletedTask);
    }

    private async ValueTask EndWhenSentAsync(ValueTask sending)
    {
        await sending;
        _sends.Finished();
    }

    private async Task CloseAsync(SocketClose close)
    {
        if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            using var timeout = new CancellationTokenSource(SocketLimits.CloseHandshakeTimeout, _time);
            await socket.CloseOutputAsync(close.Status, close.Reason, timeout.Token);
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var rateKey = _services.ClientMessages.NewSocket();
        var intake = new ClientMessageIntake(() => _services.ClientMessages.TryRecord(rateKey));
        try
        {
            while (true)
            {
                var step = await intake.NextAsync(socket, CancellationToken.None);
                switch (step.Action)
                {
                    case IntakeAction.Pong:
                        _outbox.QueuePong();
                        break;
                    case IntakeAction.Violation:
                        SocketLog.Violation(_logger, feed.Name, _id, step.Close!.Reason);
                        _outbox.RequestClose(step.Close, immediately: true);
                        break;
                    case IntakeAction.ClientClosed:
                        _outbox.RequestClose(step.Close!, immediately: true);
                        return;
                }
            }
        }
        catch (Exception exception) when (exception is WebSocketException or OperationCanceledException or ObjectDisposedException
            or Microsoft.AspNetCore.Connections.ConnectionAbortedException or IOException)
        {
            // The connection is gone: wake the send loop so that it ends too.
            _outbox.RequestClose(SocketClose.GoingAway, immediately: true);
        }
    }

    /// <summary>
    /// The client's WebSocket stack has not answered a ping for the slow-consumer timeout: it is not reading. The log
    /// says how many work items waited for the gateway's threads, which tells a gateway too busy to read the pong.
    /// </summary>
    private void OnPingUnanswered(TimeSpan unanswered)
    {
        SocketLog.PingUnanswered(_logger, feed.Name, _id, unanswered, ThreadPool.PendingWorkItemCount);
        _services.Metrics.SlowConsumer();
        _outbox.RequestClose(SocketClose.SlowConsumer, immediately: true);
    }

    /// <summary>A send has not completed for the slow-consumer timeout; no close frame could follow it.</summary>
    private void OnSendStuck(TimeSpan stalled)
    {
        SocketLog.SendStuck(_logger, feed.Name, _id, stalled);
        _services.Metrics.SlowConsumer();
        socket.Abort();
    }

    private ITimer? ScheduleExpiry()
    {
        if (!_services.CloseOnExpiry || _user.ExpiresAt() is not { } expires)
        {
            return null;
        }

        var due = expires - _time.GetUtcNow();
        return _time.CreateTimer(
            _ => _outbox.RequestClose(SocketClose.AuthenticationFailed, immediately: true),
            null,
            due < TimeSpan.Zero ? TimeSpan.Zero : due,
            Timeout.InfiniteTimeSpan);
    }
}
