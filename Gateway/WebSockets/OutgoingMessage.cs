namespace OrleansTasks.Gateway.WebSockets;

/// <summary>What the send loop does next: send a message, or close.</summary>
public abstract record OutgoingMessage
{
    private OutgoingMessage()
    {
    }

    public sealed record Connected(IFeedSnapshot Snapshot) : OutgoingMessage;

    public sealed record FeedEvent(IFeedSnapshot Snapshot) : OutgoingMessage;

    public sealed record Pong : OutgoingMessage;

    public sealed record Close(SocketClose Reason) : OutgoingMessage;
}
