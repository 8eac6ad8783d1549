namespace OrleansTasks.Tasks;

/// <summary>
/// What a task keeps for retries: the task it retries, the task that retried it with the request that
/// did, and its directory source, which a retry reads again. Absent (null) in state written before
/// retries existed, and for tasks with none of these.
/// </summary>
[GenerateSerializer, Alias("OrleansTasks.Tasks.TaskRetryLinks")]
public sealed class TaskRetryLinks
{
    [Id(0)] public Guid? RetryOf { get; set; }

    [Id(1)] public Guid? RetriedBy { get; set; }

    /// <summary>The request that retried this task: the same request repeated answers the same retry.</summary>
    [Id(2)] public Guid? RetryRequestId { get; set; }

    [Id(3)] public DirectorySource? Source { get; set; }

    /// <summary>The links a new task starts with, or null when it has none.</summary>
    public static TaskRetryLinks? Of(StartIndexTask request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.RetryOf is null && request.Source is null ? null : new TaskRetryLinks { RetryOf = request.RetryOf, Source = request.Source };
    }
}
