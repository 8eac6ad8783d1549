namespace OrleansTasks.Gateway.WebSockets;

/// <summary>Receives a task's events from the shared feed; must return at once.</summary>
public interface ITaskListener
{
    void Offer(IndexTaskSnapshot snapshot);
}
