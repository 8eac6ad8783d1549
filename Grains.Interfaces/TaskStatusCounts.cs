namespace OrleansTasks;

/// <summary>How many tasks of a batch or chain are in each status.</summary>
[GenerateSerializer, Immutable, Alias("OrleansTasks.TaskStatusCounts")]
public sealed record TaskStatusCounts(
    [property: Id(0)] int Pending,
    [property: Id(1)] int Waiting,
    [property: Id(2)] int Processing,
    [property: Id(3)] int Completed,
    [property: Id(4)] int Failed,
    [property: Id(5)] int Cancelled)
{
    /// <summary>Every task counted.</summary>
    public int Total => Pending + Waiting + Processing + Completed + Failed + Cancelled;

    /// <summary>Tasks that have not ended.</summary>
    public int Unfinished => Pending + Waiting + Processing;
}
