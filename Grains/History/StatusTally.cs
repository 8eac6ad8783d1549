namespace OrleansTasks.History;

/// <summary>Adds up tasks per status into <see cref="TaskStatusCounts"/>, whichever store counted them.</summary>
public static class StatusTally
{
    public static TaskStatusCounts Of(IEnumerable<(IndexTaskStatus Status, int Count)> counted)
    {
        ArgumentNullException.ThrowIfNull(counted);
        var byStatus = new int[Enum.GetValues<IndexTaskStatus>().Length];
        foreach (var (status, count) in counted)
        {
            byStatus[(int)status] += count;
        }

        return new TaskStatusCounts(
            byStatus[(int)IndexTaskStatus.Pending],
            byStatus[(int)IndexTaskStatus.Waiting],
            byStatus[(int)IndexTaskStatus.Processing],
            byStatus[(int)IndexTaskStatus.Completed],
            byStatus[(int)IndexTaskStatus.Failed],
            byStatus[(int)IndexTaskStatus.Cancelled]);
    }
}
