namespace OrleansTasks.Gateway.WebSockets;

/// <summary>
/// What the send loop does next: send a message, or close. A struct, because one is taken for
/// every message every socket sends.
/// </summary>
public readonly record struct OutgoingMessage
{
    private OutgoingMessage(OutgoingKind kind, IFeedSnapshot? snapshot, SocketClose? reason)
    {
        Kind = kind;
        Snapshot = snapshot;
        Reason = reason;
    }

    public OutgoingKind Kind { get; }

    /// <summary>The snapshot of a <see cref="OutgoingKind.Connected"/> or <see cref="OutgoingKind.FeedEvent"/> message.</summary>
    public IFeedSnapshot? Snapshot { get; }

    /// <summary>The code and reason of a <see cref="OutgoingKind.Close"/>.</summary>
    public SocketClose? Reason { get; }

    /// <param name="snapshot">The feed's first snapshot; null for a feed without one.</param>
    public static OutgoingMessage Connected(IFeedSnapshot? snapshot) => new(OutgoingKind.Connected, snapshot, null);

    public static OutgoingMessage FeedEvent(IFeedSnapshot snapshot) => new(OutgoingKind.FeedEvent, snapshot, null);

    public static OutgoingMessage Pong() => new(OutgoingKind.Pong, null, null);

    public static OutgoingMessage Close(SocketClose reason) => new(OutgoingKind.Close, null, reason);
}

public enum OutgoingKind
{
    Connected = 1,
    FeedEvent,
    Pong,
    Close,
}
