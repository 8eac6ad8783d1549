using System.Net.WebSockets;
using System.Security.Claims;
using OrleansTasks.Feeds;
using OrleansTasks.Gateway.Auth;

namespace OrleansTasks.Gateway.WebSockets;

/// <summary>
/// One accepted WebSocket on a task or a batch: a receive loop for the client's messages and a
/// send loop fed by the socket's <see cref="SocketOutbox{T}"/>. Every frame the server sends, closes included, goes
/// through the send loop, so sends never overlap; a failed send ends this socket only.
/// </summary>
internal sealed class FeedSocketSession<T>(
    WebSocket socket,
    string id,
    ClaimsPrincipal user,
    FeedRegistry<T> feeds,
    IFeedKind<T> kind,
    SocketServices services,
    ReadProbe? probe)
    where T : class, IFeedSnapshot
{
    private const int SmallReceiveBufferBytes = 64;

    private readonly SocketOutbox<T> _outbox = new(services.Metrics, services.ProgressQueueLength);
    private readonly IFeedKind<T> _kind = kind;
    private readonly ILogger _logger = services.Logger;
    private readonly TimeProvider _time = services.Time;
    private readonly SendClock _sends = new();

    public async Task RunAsync()
    {
        var sending = SendLoopAsync();
        var receiving = ReceiveLoopAsync();
        using var stopping = services.Stopping.Register(() => _outbox.RequestClose(SocketClose.GoingAway, immediately: true));
        using var expiry = ScheduleExpiry();
        using var slow = services.SlowConsumers.Watch(probe?.Pings, _sends, OnPingUnanswered, OnSendStuck);
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

    /// <summary>Authorises the socket and attaches it to the feed: subscribe first, then read the snapshot.</summary>
    private async Task<IAsyncDisposable?> OpenAsync()
    {
        if (user.Identity?.IsAuthenticated != true)
        {
            SocketLog.Refused(_logger, SocketClose.AuthenticationFailed.Reason);
            _outbox.RequestClose(SocketClose.AuthenticationFailed, immediately: true);
            return null;
        }

        if (!Guid.TryParse(id, out var guid))
        {
            _outbox.RequestClose(_kind.NotFound, immediately: true);
            return null;
        }

        IAsyncDisposable? attachment = null;
        try
        {
            attachment = await feeds.AttachAsync(guid, _outbox);
            var snapshot = await _kind.ReadAsync(services.Grains, guid);
            if (!user.MaySee(snapshot))
            {
                SocketLog.Refused(_logger, _kind.NotFound.Reason);
                _outbox.RequestClose(_kind.NotFound, immediately: true);
                await attachment.DisposeAsync();
                return null;
            }

            _outbox.Start(snapshot!);
            SocketLog.Watching(_logger, user.Subject(), _kind.Name, guid, snapshot!.Seq);
            return attachment;
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // Whatever the cluster threw (a storage provider's exception from a failed activation
            // included), the socket closes with 1011 and the feed attachment is given back.
            SocketLog.OpenFailed(_logger, exception, _kind.Name, guid);
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
                        await SendAsync(_kind.Connected((T)next.Snapshot!, _time.GetUtcNow()));
                        services.Metrics.MessageSent(SentMessage.Connected);
                        break;
                    case OutgoingKind.Pong:
                        await SendAsync(ProtocolMessages.Pong(_time.GetUtcNow()));
                        services.Metrics.MessageSent(SentMessage.Pong);
                        break;
                    case OutgoingKind.FeedEvent:
                        var snapshot = (T)next.Snapshot!;
                        await SendAsync(_kind.ForEvent(snapshot));
                        services.Metrics.MessageSent(snapshot.IsTerminal ? SentMessage.Terminal : SentMessage.Progress);
                        if (snapshot.IsTerminal)
                        {
                            _outbox.RequestClose(_kind.Finished, immediately: false);
                        }

                        break;
                }
            }
        }
        catch (Exception exception) when (exception is WebSocketException or ObjectDisposedException or InvalidOperationException
            or OperationCanceledException or IOException)
        {
            SocketLog.SendFailed(_logger, _kind.Name, id, exception.Message);
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
        // Clients send a few short pings at most: a small buffer for the life of the socket, grown
        // to the largest allowed message only for a client that sends a long one.
        var buffer = new byte[SmallReceiveBufferBytes];
        var rateKey = services.ClientMessages.NewSocket();
        var length = 0;
        var violated = false;
        try
        {
            while (true)
            {
                if (length == buffer.Length && buffer.Length <= SocketLimits.MaxClientMessageBytes)
                {
                    Array.Resize(ref buffer, SocketLimits.MaxClientMessageBytes + 1);
                }

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
                    : !services.ClientMessages.TryRecord(rateKey) ? SocketClose.RateLimitExceeded
                    : null;
                if (violation is not null)
                {
                    SocketLog.Violation(_logger, _kind.Name, id, violation.Reason);
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

    /// <summary>The client's WebSocket stack has not answered a ping for the slow-consumer timeout: it is not reading.</summary>
    private void OnPingUnanswered()
    {
        SocketLog.SlowConsumer(_logger, _kind.Name, id, services.SlowConsumerTimeout);
        services.Metrics.SlowConsumer();
        _outbox.RequestClose(SocketClose.SlowConsumer, immediately: true);
    }

    /// <summary>A send has not completed for the slow-consumer timeout; no close frame could follow it.</summary>
    private void OnSendStuck()
    {
        SocketLog.SlowConsumer(_logger, _kind.Name, id, services.SlowConsumerTimeout);
        services.Metrics.SlowConsumer();
        socket.Abort();
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
