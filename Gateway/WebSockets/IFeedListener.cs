namespace OrleansTasks.Gateway.WebSockets;

/// <summary>Receives a feed's snapshots (a task's or a batch's) from the shared subscription; must return at once.</summary>
public interface IFeedListener<in T>
    where T : class, IFeedSnapshot
{
    void Offer(T snapshot);
}
