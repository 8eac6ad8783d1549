namespace OrleansTasks.Gateway.WebSockets;

/// <summary>
/// Decides whether a stream event reaches the sockets. The gateway registers none; tests register
/// one to lose events on purpose and prove that reconciliation makes up for them.
/// </summary>
public interface IFeedEventFilter
{
    bool Deliver(IFeedSnapshot snapshot);
}
