namespace OrleansTasks;

/// <summary>Something a user owns — a task, a batch, a schedule — that only its owner and admins may see.</summary>
public interface IOwned
{
    /// <summary>Who owns it: <c>user:NAME</c> for people, <c>service:NAME</c> for internal services.</summary>
    string OwnerId { get; }
}
