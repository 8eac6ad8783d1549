namespace OrleansTasks;

/// <summary>Something a user owns — a task, a batch, a schedule — that only its owner and admins may see.</summary>
public interface IOwned
{
    string OwnerId { get; }
}
