namespace OrleansTasks.Gateway.WebSockets;

/// <summary>The fixed limits of the WebSocket protocol (docs/protocol.md §3.4, §3.6).</summary>
public static class SocketLimits
{
    public const int MaxClientMessageBytes = 4096;
    public const int MaxClientMessagesPerSecond = 20;
    public static readonly TimeSpan KeepAliveTimeout = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan CloseHandshakeTimeout = TimeSpan.FromSeconds(5);
}
