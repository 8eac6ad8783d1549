namespace OrleansTasks;

/// <summary>One task as a batch or a chain shows it: where it stands, and its reference inside its batch if it has one.</summary>
[GenerateSerializer, Immutable, Alias("OrleansTasks.GroupTask")]
public sealed record GroupTask(
    [property: Id(0)] Guid TaskId,
    [property: Id(1)] string? Ref,
    [property: Id(2)] IndexTaskStatus Status,
    [property: Id(3)] int Current,
    [property: Id(4)] int Total,
    [property: Id(5)] TaskCounts Counts,
    [property: Id(6)] long Seq)
{
    /// <summary>The entry of a task in its batch or chain, from the task's snapshot; <paramref name="reference"/> is its name in the batch.</summary>
    public static GroupTask From(IndexTaskSnapshot task, string? reference = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        return new(task.TaskId, reference, task.Status, task.Current, task.Total, task.Counts, task.Seq);
    }
}
