namespace OrleansTasks.Batches;

/// <summary>What a batch persists: its tasks as last heard of, and its own <c>seq</c> and end.</summary>
[GenerateSerializer, Alias("OrleansTasks.Batches.BatchState")]
public sealed class BatchState
{
    [Id(0)] public bool Accepted { get; set; }

    /// <summary>False while the batch is still creating its tasks; its lease abandons a creation that failed and was not retried.</summary>
    [Id(1)] public bool Created { get; set; }
    [Id(2)] public string OwnerId { get; set; } = "";
    [Id(3)] public List<GroupTask> Tasks { get; set; } = [];
    [Id(4)] public long Seq { get; set; }
    [Id(5)] public long SeqReservedUpTo { get; set; }
    [Id(6)] public DateTimeOffset CreatedAt { get; set; }
    [Id(7)] public DateTimeOffset UpdatedAt { get; set; }
    [Id(8)] public DateTimeOffset? FinishedAt { get; set; }
    [Id(9)] public string? CancelledBy { get; set; }

    /// <summary>Set when creating the tasks was interrupted, with the message to show.</summary>
    [Id(10)] public string? Interrupted { get; set; }

    /// <summary>The batch this one retries, if it is a retry.</summary>
    [Id(11)] public Guid? RetryOf { get; set; }

    /// <summary>The task each of <see cref="Tasks"/> retries, in the same order; null unless this batch is a retry.</summary>
    [Id(12)] public List<Guid>? RetriedTasks { get; set; }

    /// <summary>The batch that retried this one, once retried.</summary>
    [Id(13)] public Guid? RetriedBy { get; set; }

    /// <summary>The request that retried this batch: the same request repeated answers the same retry.</summary>
    [Id(14)] public Guid? RetryRequestId { get; set; }
}
