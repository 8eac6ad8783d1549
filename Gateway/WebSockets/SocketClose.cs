using System.Net.WebSockets;

namespace OrleansTasks.Gateway.WebSockets;

/// <summary>A close the server sends: the codes and reasons of docs/protocol.md §3.5 and §5.</summary>
public sealed record SocketClose(WebSocketCloseStatus Status, string Reason)
{
    public static readonly SocketClose TaskFinished = new(WebSocketCloseStatus.NormalClosure, "Task finished");
    public static readonly SocketClose AuthenticationFailed = new(WebSocketCloseStatus.PolicyViolation, "Authentication failed");
    public static readonly SocketClose TaskNotFound = new(WebSocketCloseStatus.PolicyViolation, "Task not found");
    public static readonly SocketClose BatchNotFound = new(WebSocketCloseStatus.PolicyViolation, "Batch not found");
    public static readonly SocketClose ScopeNotAllowed = new(WebSocketCloseStatus.PolicyViolation, "Scope not allowed");
    public static readonly SocketClose BatchFinished = new(WebSocketCloseStatus.NormalClosure, "Batch finished");
    public static readonly SocketClose RateLimitExceeded = new(WebSocketCloseStatus.PolicyViolation, "Rate limit exceeded");
    public static readonly SocketClose BinaryNotSupported = new(WebSocketCloseStatus.InvalidMessageType, "Binary messages are not supported");
    public static readonly SocketClose MessageTooBig = new(WebSocketCloseStatus.MessageTooBig, "Message too big");
    public static readonly SocketClose GoingAway = new(WebSocketCloseStatus.EndpointUnavailable, "Going away");
    public static readonly SocketClose InternalError = new(WebSocketCloseStatus.InternalServerError, "Internal error");
    public static readonly SocketClose SlowConsumer = new((WebSocketCloseStatus)1013, "Slow consumer");

    /// <summary>Answer to a close the client started: echo its code.</summary>
    public static SocketClose Echo(WebSocketCloseStatus? status) => new(status ?? WebSocketCloseStatus.NormalClosure, "");
}
