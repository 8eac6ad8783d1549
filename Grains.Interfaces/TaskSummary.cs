namespace OrleansTasks;

/// <summary>One task as history lists it.</summary>
[GenerateSerializer, Immutable, Alias("OrleansTasks.TaskSummary")]
public sealed record TaskSummary(
    [property: Id(0)] Guid TaskId,
    [property: Id(1)] string OwnerId,
    [property: Id(2)] string Collection,
    [property: Id(3)] IndexTaskStatus Status,
    [property: Id(4)] int Progress,
    [property: Id(5)] int Current,
    [property: Id(6)] int Total,
    [property: Id(7)] string Message,
    [property: Id(8)] DateTimeOffset CreatedAt,
    [property: Id(9)] DateTimeOffset UpdatedAt,
    [property: Id(10)] DateTimeOffset? FinishedAt)
{
    /// <summary>The history entry of a task, from its snapshot.</summary>
    public static TaskSummary From(IndexTaskSnapshot task)
    {
        ArgumentNullException.ThrowIfNull(task);
        return new(task.TaskId, task.OwnerId, task.Collection, task.Status, task.Progress, task.Current, task.Total,
            task.Message, task.CreatedAt, task.UpdatedAt, task.FinishedAt);
    }
}
