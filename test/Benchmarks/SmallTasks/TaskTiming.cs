namespace OrleansTasks.Benchmarks.SmallTasks;

/// <summary>
/// One task's life as the scenario saw it: when the client first tried to submit it and when its
/// submission was answered (UTC, this machine's clock, which the servers share), and when the system
/// says it started and finished.
/// </summary>
internal sealed record TaskTiming(DateTime Submitted, DateTime Accepted, DateTime? Started, DateTime? Finished, TaskEnd End);

internal enum TaskEnd
{
    /// <summary>Never accepted, or not ended when the side stopped waiting.</summary>
    Lost,
    Completed,

    /// <summary>Failed or cancelled: an error.</summary>
    Failed,
}
