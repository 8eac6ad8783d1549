namespace OrleansTasks;

/// <summary>The lifecycle of an index task. Names are the wire names in snake_case.</summary>
[GenerateSerializer, Alias("OrleansTasks.IndexTaskStatus")]
public enum IndexTaskStatus
{
    Pending = 0,
    Processing = 1,
    Completed = 2,
    Failed = 3,
    Cancelled = 4,
    Waiting = 5,
}

public static class IndexTaskStatusExtensions
{
    public static bool IsTerminal(this IndexTaskStatus status) =>
        status is IndexTaskStatus.Completed or IndexTaskStatus.Failed or IndexTaskStatus.Cancelled;

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
