using System.Net.WebSockets;

namespace OrleansTasks.Gateway.WebSockets;

/// <summary>
/// What a socket's receive loop decides about each thing the client sends: a ping is answered with
/// a pong, any other text message is ignored, a binary message, one over
/// <see cref="SocketLimits.MaxClientMessageBytes"/> or one over the client's message rate closes the
/// socket (after which the client's bytes are read only to see its close), and the client's close is
/// echoed. It holds the one receive buffer: small for the life of the socket, grown to the largest
/// allowed message only for a client that sends a long one.
/// </summary>
internal sealed class ClientMessageIntake(Func<bool> tryRecordMessage)
{
    private const int SmallBufferBytes = 64;

    private byte[] _buffer = new byte[SmallBufferBytes];
    private int _length;
    private bool _violated;

    /// <summary>Where the next receive writes: the rest of the buffer, or, once the socket is closing for a violation, the whole buffer to be overwritten.</summary>
    public Memory<byte> NextBuffer()
    {
        if (_violated)
        {
            // Discarded, but a real buffer: a zero-byte receive takes nothing from a frame's payload
            // and would return at once, again and again, until the close handshake timed out.
            return _buffer;
        }

        if (_length == _buffer.Length && _buffer.Length <= SocketLimits.MaxClientMessageBytes)
        {
            Array.Resize(ref _buffer, SocketLimits.MaxClientMessageBytes + 1);
        }

        return _buffer.AsMemory(_length);
    }

    /// <summary>Decides on a receive of <paramref name="count"/> bytes into <see cref="NextBuffer"/>.</summary>
    public IntakeStep Received(WebSocketMessageType type, int count, bool endOfMessage, WebSocketCloseStatus? closeStatus)
    {
        if (type == WebSocketMessageType.Close)
        {
            return new IntakeStep(IntakeAction.ClientClosed, SocketClose.Echo(closeStatus));
        }

        if (_violated)
        {
            return IntakeStep.Continue;
        }

        _length += count;
        var violation = type == WebSocketMessageType.Binary ? SocketClose.BinaryNotSupported
            : _length > SocketLimits.MaxClientMessageBytes ? SocketClose.MessageTooBig
            : !endOfMessage ? null
            : !tryRecordMessage() ? SocketClose.RateLimitExceeded
            : null;
        if (violation is not null)
        {
            _violated = true;
            return new IntakeStep(IntakeAction.Violation, violation);
        }

        if (!endOfMessage)
        {
            return IntakeStep.Continue;
        }

        var ping = ClientMessages.IsPing(_buffer.AsSpan(0, _length));
        _length = 0;
        return ping ? IntakeStep.Pong : IntakeStep.Continue;
    }

    /// <summary>Receives from <paramref name="socket"/> until there is something to act on: a pong to send, a violation, or the client's close.</summary>
    public async Task<IntakeStep> NextAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await socket.ReceiveAsync(NextBuffer(), cancellationToken);
            var step = Received(result.MessageType, result.Count, result.EndOfMessage, socket.CloseStatus);
            if (step.Action != IntakeAction.None)
            {
                return step;
            }
        }
    }
}
