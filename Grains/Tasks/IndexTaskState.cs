namespace OrleansTasks.Tasks;

/// <summary>
/// The hot state of an index task: small and rewritten at each checkpoint. The documents and
/// per-document results live in their own records (<see cref="Storage.TaskChunkStores"/>), except
/// a small task's (<see cref="TaskDocuments.FitInline"/>), which its state carries itself.
/// </summary>
[GenerateSerializer, Alias("OrleansTasks.Tasks.IndexTaskState")]
public sealed class IndexTaskState
{
    [Id(0)] public bool Accepted { get; set; }
    [Id(1)] public string OwnerId { get; set; } = "";
    [Id(2)] public string Collection { get; set; } = "";
    [Id(3)] public IndexTaskStatus Status { get; set; }
    [Id(4)] public string Message { get; set; } = "";

    /// <summary>Documents processed so far, which is also the position of the next document.</summary>
    [Id(5)] public int Current { get; set; }
    [Id(6)] public int Total { get; set; }

    // Plain counters rather than a shared record instance: the serializer may fill a field's
    // existing object in place, so state defaults must never be shared singletons.
    [Id(7)] public int Indexed { get; set; }
    [Id(19)] public int Unchanged { get; set; }
    [Id(20)] public int Failed { get; set; }
    [Id(8)] public TaskError? Error { get; set; }
    [Id(9)] public string? CancelledBy { get; set; }

    /// <summary>The <c>seq</c> of the last change made.</summary>
    [Id(10)] public long Seq { get; set; }

    /// <summary>Every <c>seq</c> up to this may have been published; a resuming activation continues above it.</summary>
    [Id(11)] public long SeqReservedUpTo { get; set; }

    [Id(12)] public DateTimeOffset CreatedAt { get; set; }
    [Id(13)] public DateTimeOffset UpdatedAt { get; set; }
    [Id(14)] public DateTimeOffset? StartedAt { get; set; }
    [Id(15)] public DateTimeOffset? FinishedAt { get; set; }

    /// <summary>The position of the first document of each stored document chunk.</summary>
    [Id(16)] public List<int> DocumentChunkStarts { get; set; } = [];
    [Id(17)] public int ResultChunkCount { get; set; }
    [Id(18)] public TaskResultPreview? Result { get; set; }

    [Id(21)] public Guid? BatchId { get; set; }
    [Id(22)] public Guid? ScheduleId { get; set; }

    [Id(23)] public List<Guid> DependsOn { get; set; } = [];

    /// <summary>Dependencies that have not completed yet; the task waits while any remain.</summary>
    [Id(24)] public List<Guid> AwaitedDependencies { get; set; } = [];

    /// <summary>Grains told when this task ends: the tasks that depend on it, and its batch.</summary>
    [Id(25)] public List<GrainId> Followers { get; set; } = [];

    /// <summary>Followers that have not yet acknowledged the end of this task; retried with the lease.</summary>
    [Id(26)] public List<GrainId> FollowersToNotify { get; set; } = [];

    /// <summary>The task waits until this time, if set.</summary>
    [Id(27)] public DateTimeOffset? RunAt { get; set; }

    /// <summary>A small task's documents, kept here rather than in chunks; dropped once it has completed with no failed document (a retry needs those).</summary>
    [Id(28)] public List<IndexDocument>? InlineDocuments { get; set; }

    /// <summary>A small task's per-document outcomes, kept here rather than in chunks.</summary>
    [Id(29)] public List<DocumentResult>? InlineResults { get; set; }

    /// <summary>Which waiting tasks admission takes first.</summary>
    [Id(37)] public TaskPriority Priority { get; set; }

    /// <summary>The task it retries, the task that retried it, and its source; null when none applies.</summary>
    [Id(30)] public TaskRetryLinks? RetryLinks { get; set; }

    /// <summary>The retry policy the task was accepted with, the silo's defaults filled in; null in tasks accepted before policies.</summary>
    [Id(32)] public TaskRetryPolicy? Retry { get; set; }

    /// <summary>How long the task may run after <see cref="StartedAt"/>; null for no limit.</summary>
    [Id(33)] public TimeSpan? Timeout { get; set; }

    /// <summary>Attempts of the slice at <see cref="Current"/> that failed transiently; 0 normally.</summary>
    [Id(34)] public int FailedAttempts { get; set; }

    /// <summary>While a failed slice waits for its retry: when the next attempt may start.</summary>
    [Id(35)] public DateTimeOffset? NextAttemptAt { get; set; }

    /// <summary>A streaming task's source and how far it has been counted and read; null for a task whose documents are stored.</summary>
    [Id(45)] public Sources.TaskSource? Source { get; set; }

    /// <summary>
    /// When the task became <c>pending</c>: accepted so, or queued once its dependencies and <c>run_at</c> let it.
    /// Admission ranks and ages it from then. Null while it waits, and in tasks stored by an earlier build.
    /// </summary>
    [Id(46)] public DateTimeOffset? QueuedAt { get; set; }

    /// <summary>Whether every document has been read: a streaming task's source is counted and read to its end, a stored task's position is at its total.</summary>
    public bool AllRead => Source is { } source ? source.Counted && source.Ended : Current >= Total;

    /// <summary>Whether the task's documents and results are kept in its state.</summary>
    public bool IsInline => InlineResults is not null;

    public TaskCounts Counts
    {
        get => new(Indexed, Unchanged, Failed);
        set => (Indexed, Unchanged, Failed) = (value.Indexed, value.Unchanged, value.Failed);
    }
}
