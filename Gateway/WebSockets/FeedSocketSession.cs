using System.Net.WebSockets;
using System.Security.Claims;
using OrleansTasks.Gateway.Auth;

namespace OrleansTasks.Gateway.WebSockets;

/// <summary>
/// One accepted task WebSocket: a receive loop for the client's messages and a send loop fed by
/// the socket's <see cref="SocketOutbox"/>. Every frame the server sends, closes included, goes
/// through the send loop, so sends never overlap; a failed send ends this socket only.
/// </summary>
public sealed partial class TaskSocketSession(
    WebSocket socket,
    string taskId,
    ClaimsPrincipal user,
    TaskSocketServices services)
{
    private readonly SocketOutbox _outbox = new();
    private readonly ILogger _logger = services.Logger;
    private readonly TimeProvider _time = services.Time;

    public async Task RunAsync()
    {
        var sending = SendLoopAsync();
        var receiving = ReceiveLoopAsync();
        using var stopping = services.Stopping.Register(() => _outbox.RequestClose(SocketClose.GoingAway, immediately: true));
        using var expiry = ScheduleExpiry();
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

    /// <summary>Authorises the socket and attaches it to the task's feed: subscribe first, then read the snapshot.</summary>
    private async Task<IAsyncDisposable?> OpenAsync()
    {
        if (user.Identity?.IsAuthenticated != true)
        {
            Log.Refused(_logger, SocketClose.AuthenticationFailed.Reason);
            _outbox.RequestClose(SocketClose.AuthenticationFailed, immediately: true);
            return null;
        }

        if (!Guid.TryParse(taskId, out var id))
        {
            _outbox.RequestClose(SocketClose.TaskNotFound, immediately: true);
            return null;
        }

        IAsyncDisposable? attachment = null;
        try
        {
            attachment = await services.Feeds.AttachAsync(id, _outbox);
            var snapshot = await services.Grains.GetGrain<IIndexTaskGrain>(id).GetSnapshot();
            if (!user.MaySee(snapshot))
            {
                Log.Refused(_logger, SocketClose.TaskNotFound.Reason);
                _outbox.RequestClose(SocketClose.TaskNotFound, immediately: true);
                await attachment.DisposeAsync();
                return null;
            }

            _outbox.Start(snapshot!);
            Log.Watching(_logger, id, user.Subject(), snapshot!.Seq);
            return attachment;
        }
        catch (Exception exception) when (exception is OrleansException or TimeoutException or InvalidOperationException)
        {
            Log.OpenFailed(_logger, exception, id);
            _outbox.RequestClose(SocketClose.InternalError, immediately: true);
            if (attachment is not null)
            {
                await attachment.DisposeAsync();
            }

            return null;
        }
    }

    private async Task SendLoopAsync()
    {
        try
        {
            while (true)
            {
                switch (await _outbox.NextAsync(CancellationToken.None))
                {
                    case OutgoingMessage.Close close:
                        await CloseAsync(close.Reason);
                        return;
                    case OutgoingMessage.Connected connected:
                        await SendAsync(ProtocolMessages.Connected(connected.Task, _time.GetUtcNow()));
                        break;
                    case OutgoingMessage.Pong:
                        await SendAsync(ProtocolMessages.Pong(_time.GetUtcNow()));
                        break;
                    case OutgoingMessage.TaskEvent taskEvent:
                        await SendAsync(ProtocolMessages.ForEvent(taskEvent.Task));
                        if (taskEvent.Task.IsTerminal)
                        {
                            _outbox.RequestClose(SocketClose.TaskFinished, immediately: false);
                        }

                        break;
                }
            }
        }
        catch (OperationCanceledException)
        {
            Log.SlowConsumer(_logger, taskId, SocketLimits.SendTimeout);
            socket.Abort();
        }
        catch (Exception exception) when (exception is WebSocketException or ObjectDisposedException or InvalidOperationException)
        {
            Log.SendFailed(_logger, taskId, exception.Message);
            socket.Abort();
        }
    }

    private async Task SendAsync(byte[] message)
    {
        using var timeout = new CancellationTokenSource(SocketLimits.SendTimeout, _time);
        await socket.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, timeout.Token);
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
        var buffer = new byte[SocketLimits.MaxClientMessageBytes + 1];
        var rate = new MessageRateWindow(_time, SocketLimits.MaxClientMessagesPerSecond);
        var length = 0;
        var violated = false;
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer.AsMemory(violated ? 0 : length), CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    _outbox.RequestClose(SocketClose.Echo(socket.CloseStatus), immediately: true);
                    return;
                }

                if (violated)
                {
                    continue;
                }

                length += result.Count;
                var violation = result.MessageType == WebSocketMessageType.Binary ? SocketClose.BinaryNotSupported
                    : length > SocketLimits.MaxClientMessageBytes ? SocketClose.MessageTooBig
                    : !result.EndOfMessage ? null
                    : !rate.TryRecord() ? SocketClose.RateLimitExceeded
                    : null;
                if (violation is not null)
                {
                    Log.Violation(_logger, taskId, violation.Reason);
                    _outbox.RequestClose(violation, immediately: true);
                    violated = true;
                    continue;
                }

                if (result.EndOfMessage)
                {
                    if (ClientMessages.IsPing(buffer.AsSpan(0, length)))
                    {
                        _outbox.QueuePong();
                    }

                    length = 0;
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

    private ITimer? ScheduleExpiry()
    {
        if (!services.CloseOnExpiry || user.ExpiresAt() is not { } expires)
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
