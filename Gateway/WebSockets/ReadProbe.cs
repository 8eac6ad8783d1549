namespace OrleansTasks.Gateway.WebSockets;

/// <summary>
/// Asks a client that has just been given a message to show that it reads: a ping, which its
/// WebSocket stack answers only while it reads. Without it the only pings were the keep-alive ones,
/// which go out once the client has sent nothing for the keep-alive interval (15 s), so a client
/// that stopped reading under a stream of progress was judged slow 25–29 s later instead of after
/// the slow-consumer timeout. A probe goes out after a message when no ping waits for its pong and
/// none went out for <see cref="MinInterval"/>: a stalled reader's first unanswered ping leaves
/// within about that long of its stop, and a reading one costs a ping a second at most.
/// </summary>
public sealed class ReadProbe(PingTracker pings, TimeProvider time)
{
    public static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(1);

    // Four bytes: the WebSocket's own keep-alive pings carry eight, so it takes these pongs for none of its own.
    private static readonly byte[] Payload = "read"u8.ToArray();

    private ObservedTransportStream? _transport;
    private long? _lastSent;

    public PingTracker Pings { get; } = pings;

    /// <summary>Called by the socket's send loop after each message it sent.</summary>
    public ValueTask AfterMessageAsync()
    {
        if (_transport is not { } transport || Pings.Outstanding || (_lastSent is { } last && time.GetElapsedTime(last) < MinInterval))
        {
            return ValueTask.CompletedTask;
        }

        _lastSent = time.GetTimestamp();
        return transport.PingAsync(Payload);
    }

    internal void Attach(ObservedTransportStream transport) => _transport = transport;
}
