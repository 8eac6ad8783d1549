namespace OrleansTasks.Gateway.WebSockets;

/// <summary>
/// The keep-alive pings the server sent on one socket and whether the client answered them. A
/// client whose WebSocket stack does not read answers no ping: how the gateway tells a client that
/// cannot take messages long before its buffers fill.
/// </summary>
public sealed class PingTracker(TimeProvider time)
{
    private const int MaxControlPayload = 125;
    private readonly Lock _lock = new();
    private readonly byte[] _payload = new byte[MaxControlPayload];
    private int _payloadLength;
    private long _sentAt;
    private bool _outstanding;

    public void PingSent(ReadOnlySpan<byte> payload)
    {
        lock (_lock)
        {
            _payloadLength = Math.Min(payload.Length, MaxControlPayload);
            payload[.._payloadLength].CopyTo(_payload);
            _sentAt = time.GetTimestamp();
            _outstanding = true;
        }
    }

    /// <summary>A pong arrived; it answers the outstanding ping when it carries the same payload.</summary>
    public void PongReceived(ReadOnlySpan<byte> payload)
    {
        lock (_lock)
        {
            if (_outstanding && payload.SequenceEqual(_payload.AsSpan(0, _payloadLength)))
            {
                _outstanding = false;
            }
        }
    }

    /// <summary>How long the last ping has gone unanswered; zero when it was answered or none was sent.</summary>
    public TimeSpan Unanswered()
    {
        lock (_lock)
        {
            return _outstanding ? time.GetElapsedTime(_sentAt) : TimeSpan.Zero;
        }
    }
}
