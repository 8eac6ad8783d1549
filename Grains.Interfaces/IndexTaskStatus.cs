namespace OrleansTasks;

/// <summary>The lifecycle of an index task. Names are the wire names in snake_case.</summary>
[GenerateSerializer, Alias("OrleansTasks.IndexTaskStatus")]
public enum IndexTaskStatus
{
    /// <summary>Accepted, queued behind the running tasks.</summary>
    Pending = 0,
    /// <summary>Indexing its documents.</summary>
    Processing = 1,
    /// <summary>Ended with every document processed.</summary>
    Completed = 2,
    /// <summary>Ended with an error (see <see cref="IndexTaskSnapshot.Error"/>).</summary>
    Failed = 3,
    /// <summary>Ended because someone cancelled it.</summary>
    Cancelled = 4,
    /// <summary>Waiting for the tasks it depends on, or for its start time.</summary>
    Waiting = 5,
}

/// <summary>What the statuses mean on the wire and whether they end a task.</summary>
public static class IndexTaskStatusExtensions
{
    /// <summary>True for completed, failed and cancelled.</summary>
    public static bool IsTerminal(this IndexTaskStatus status) =>
        status is IndexTaskStatus.Completed or IndexTaskStatus.Failed or IndexTaskStatus.Cancelled;

    /// <summary>The status as REST and sockets write it, e.g. <c>processing</c>.</summary>
    public static string ToWireName(this IndexTaskStatus status) => status switch
    {
        IndexTaskStatus.Pending => "pending",
        IndexTaskStatus.Processing => "processing",
        IndexTaskStatus.Completed => "completed",
        IndexTaskStatus.Failed => "failed",
        IndexTaskStatus.Cancelled => "cancelled",
        IndexTaskStatus.Waiting => "waiting",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Unknown task status."),
    };
}
