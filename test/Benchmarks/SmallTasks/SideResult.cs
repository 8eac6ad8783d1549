namespace OrleansTasks.Benchmarks.SmallTasks;

/// <summary>What one side (OrleansTasks with N silos, or the Hangfire peer) did with the measured tasks.</summary>
internal sealed record SideResult(
    string Name,
    IReadOnlyList<TaskTiming> Tasks,
    Acceptance Accepted,
    int RequestErrors,
    int Refusals,
    ConnectionPeak Connections,
    long DocumentRows,
    SideProfile Profile)
{
    public int Completed => Tasks.Count(task => task.End == TaskEnd.Completed);

    public int FailedTasks => Tasks.Count(task => task.End == TaskEnd.Failed);

    public int Lost => Tasks.Count(task => task.End == TaskEnd.Lost);

    /// <summary>Errors: answers other than 2xx and 429, failed tasks.</summary>
    public int Errors => RequestErrors + FailedTasks;

    private DateTime FirstSubmitted => Tasks.Min(task => task.Submitted);

    /// <summary>From the first submission to the last completion.</summary>
    public TimeSpan EndToEnd => Completed == 0 ? TimeSpan.Zero : CompletedTasks.Max(task => task.Finished!.Value) - FirstSubmitted;

    public double TasksPerSecond => Completed == 0 ? 0 : Completed / EndToEnd.TotalSeconds;

    /// <summary>Accepting alone: from the first submission to the last acceptance.</summary>
    public double AcceptedPerSecond => Accepted.Count / (Accepted.Last - FirstSubmitted).TotalSeconds;

    public double StartPercentile(double quantile) => Percentile(CompletedTasks.Select(task => (task.Started!.Value - task.Submitted).TotalMilliseconds), quantile);

    public double CompletePercentile(double quantile) => Percentile(CompletedTasks.Select(task => (task.Finished!.Value - task.Submitted).TotalMilliseconds), quantile);

    private IEnumerable<TaskTiming> CompletedTasks => Tasks.Where(task => task.End == TaskEnd.Completed);

    private static double Percentile(IEnumerable<double> values, double quantile)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(quantile * sorted.Length) - 1)];
    }
}
