namespace OrleansTasks;

/// <summary>The time a task has left, from its documents-per-second rate.</summary>
public static class TaskRates
{
    /// <summary>Null without a positive rate (or for a task not processing and not ended); 0 once ended; else the seconds left, rounded up.</summary>
    public static int? EtaSeconds(IndexTaskStatus status, int current, int total, double? rate)
    {
        if (status.IsTerminal())
        {
            return 0;
        }

        if (status != IndexTaskStatus.Processing || rate is not > 0)
        {
            return null;
        }

        var left = Math.Max(0, total - current) / rate.Value;
        return (int)Math.Min(int.MaxValue, Math.Ceiling(left));
    }
}
