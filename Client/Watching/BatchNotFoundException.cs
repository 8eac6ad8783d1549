namespace OrleansTasks;

/// <summary>No batch has the id a watcher was given.</summary>
public sealed class BatchNotFoundException : KeyNotFoundException
{
    /// <summary>No batch has <paramref name="batchId"/>.</summary>
    public BatchNotFoundException(Guid batchId)
        : base($"No batch has the id {batchId}.")
    {
        BatchId = batchId;
    }

    /// <summary>A problem described by <paramref name="message"/>.</summary>
    public BatchNotFoundException(string message)
        : base(message)
    {
    }

    /// <summary>A problem described by <paramref name="message"/>, caused by <paramref name="innerException"/>.</summary>
    public BatchNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>A problem without a message of its own.</summary>
    public BatchNotFoundException()
    {
    }

    /// <summary>The id that names no batch.</summary>
    public Guid BatchId { get; }
}
