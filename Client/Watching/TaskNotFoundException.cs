namespace OrleansTasks;

/// <summary>No index task has the id a watcher was given.</summary>
public sealed class TaskNotFoundException : KeyNotFoundException
{
    /// <summary>No task has <paramref name="taskId"/>.</summary>
    public TaskNotFoundException(Guid taskId)
        : base($"No index task has the id {taskId}.")
    {
        TaskId = taskId;
    }

    /// <summary>A problem described by <paramref name="message"/>.</summary>
    public TaskNotFoundException(string message)
        : base(message)
    {
    }

    /// <summary>A problem described by <paramref name="message"/>, caused by <paramref name="innerException"/>.</summary>
    public TaskNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>A problem without a message of its own.</summary>
    public TaskNotFoundException()
    {
    }

    /// <summary>The id that names no task.</summary>
    public Guid TaskId { get; }
}
