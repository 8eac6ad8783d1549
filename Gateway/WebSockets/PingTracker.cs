namespace OrleansTasks.Gateway.WebSockets;

/// <summary>
/// The pings the server sent on one socket (keep-alive pings and <see cref="ReadProbe"/>'s) and
/// whether the client answered them. A client whose WebSocket stack does not read answers no ping:
/// how the gateway tells a client that cannot take messages long before its buffers fill.
/// </summary>
public sealed class PingTracker(TimeProvider time)
{
    private const int MaxControlPayload = 125;
    private readonly Lock _lock = new();
    private readonly byte[] _payload = new byte[MaxControlPayload];
    private int _payloadLength;
    private long _sentAt;
    private bool _outstanding;

    /// <summary>Whether a ping waits for its pong.</summary>
    public bool Outstanding
    {
        get
        {
            lock (_lock)
            {
                return _outstanding;
            }
        }
    }

    /// <summary>
    /// A ping went out. Only its pong is looked for: pongs come in the order of their pings. A ping
    /// sent while another waits leaves the wait counted from the earlier one.
    /// </summary>
    public void PingSent(ReadOnlySpan<byte> payload)
    {
        lock (_lock)
        {
            _payloadLength = Math.Min(payload.Length, MaxControlPayload);
            payload[.._payloadLength].CopyTo(_payload);
            if (!_outstanding)
            {
                _sentAt = time.GetTimestamp();
                _outstanding = true;
            }
        }
    }

    /// <summary>A pong arrived; it answers the outstanding ping when it carries the payload of the last one sent.</summary>
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

    /// <summary>How long pings have gone unanswered; zero when the last was answered or none was sent.</summary>
    public TimeSpan Unanswered()
    {
        lock (_lock)
        {
            return _outstanding ? time.GetElapsedTime(_sentAt) : TimeSpan.Zero;
        }
    }
}
