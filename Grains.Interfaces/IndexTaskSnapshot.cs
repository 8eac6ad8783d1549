using System.Collections.Immutable;

namespace OrleansTasks;

/// <summary>
/// The state of an index task at one <see cref="Seq"/>. Every change a task makes is published on its
/// stream as a new snapshot, so a subscriber needs nothing but the latest one it has seen.
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansTasks.IndexTaskSnapshot")]
public sealed record IndexTaskSnapshot : IFeedSnapshot
{
    /// <summary>The task's id.</summary>
    [Id(0)] public required Guid TaskId { get; init; }
    /// <summary>Who created the task (<c>user:alice</c>, <c>service:reports</c>).</summary>
    [Id(1)] public required string OwnerId { get; init; }
    /// <summary>The index collection its documents go to.</summary>
    [Id(2)] public required string Collection { get; init; }
    /// <summary>Where the task stands.</summary>
    [Id(3)] public required IndexTaskStatus Status { get; init; }

    /// <summary>0–100; -1 once the task has failed.</summary>
    [Id(4)] public required int Progress { get; init; }
    /// <summary>Documents processed so far.</summary>
    [Id(5)] public required int Current { get; init; }
    /// <summary>Documents the task holds.</summary>
    [Id(6)] public required int Total { get; init; }
    /// <summary>What is happening, for people.</summary>
    [Id(7)] public required string Message { get; init; }
    /// <summary>Grows with every change published on the task's stream.</summary>
    [Id(8)] public required long Seq { get; init; }
    /// <summary>Documents processed so far, by outcome.</summary>
    [Id(9)] public required TaskCounts Counts { get; init; }
    /// <summary>When the task was accepted.</summary>
    [Id(10)] public required DateTimeOffset CreatedAt { get; init; }
    /// <summary>When this snapshot was made.</summary>
    [Id(11)] public required DateTimeOffset UpdatedAt { get; init; }
    /// <summary>When the task began processing; null before.</summary>
    [Id(12)] public DateTimeOffset? StartedAt { get; init; }
    /// <summary>When the task ended; null before.</summary>
    [Id(13)] public DateTimeOffset? FinishedAt { get; init; }
    /// <summary>Why the task failed; null unless it did.</summary>
    [Id(14)] public TaskError? Error { get; init; }

    /// <summary><c>user:&lt;sub&gt;</c>, <c>batch:&lt;id&gt;</c>, <c>dependency:&lt;task id&gt;</c> or <c>service:&lt;name&gt;</c>.</summary>
    [Id(15)] public string? CancelledBy { get; init; }

    /// <summary>Set once the task has completed.</summary>
    [Id(16)] public TaskResultPreview? Result { get; init; }

    /// <summary>For a <c>pending</c> task waiting for a slot, as the admission queue knows it: its place in line, 1 next (docs/protocol.md says what it promises).</summary>
    [Id(17)] public int? QueuePosition { get; init; }

    // Serialized as fields, so that a snapshot from a silo of an older build, which has neither,
    // reads as empty lists rather than as default arrays that throw when enumerated.
    [Id(18)] private ImmutableArray<Guid> _dependsOn;
    [Id(19)] private ImmutableArray<Guid> _awaitedDependencies;

    /// <summary>The tasks this one waits for; it starts once all of them have completed.</summary>
    public ImmutableArray<Guid> DependsOn { get => _dependsOn.IsDefault ? [] : _dependsOn; init => _dependsOn = value; }

    /// <summary>Those of <see cref="DependsOn"/> that have not completed yet.</summary>
    public ImmutableArray<Guid> AwaitedDependencies { get => _awaitedDependencies.IsDefault ? [] : _awaitedDependencies; init => _awaitedDependencies = value; }

    /// <summary>The batch this task was created in, if any.</summary>
    [Id(20)] public Guid? BatchId { get; init; }

    /// <summary>The schedule whose occurrence created this task, if any.</summary>
    [Id(21)] public Guid? ScheduleId { get; init; }

    /// <summary>The time before which the task does not start, if one was given.</summary>
    [Id(22)] public DateTimeOffset? RunAt { get; init; }

    /// <summary>Documents a second: smoothed while processing, the run's average once ended; null until known.</summary>
    [Id(23)] public double? Rate { get; init; }

    /// <summary>Which waiting tasks admission takes first.</summary>
    [Id(31)] public TaskPriority Priority { get; init; }

    /// <summary>The task this one retries (its failed and unprocessed documents), if it is a retry.</summary>
    [Id(25)] public Guid? RetryOf { get; init; }

    /// <summary>The task that retries this one, once someone has retried it.</summary>
    [Id(26)] public Guid? RetriedBy { get; init; }

    // A field, so that a snapshot from a silo that does not count attempts reads as attempt 1.
    [Id(27)] private int _attempt;

    /// <summary>The attempt of the slice being indexed: 1 unless a transient failure is being retried.</summary>
    public int Attempt { get => Math.Max(1, _attempt); init => _attempt = value; }

    /// <summary>When a transient failure is being retried: the time of the next attempt.</summary>
    [Id(28)] public DateTimeOffset? NextAttemptAt { get; init; }

    /// <summary>How long the task may run after its start before it fails with <c>timeout</c>; null for no limit.</summary>
    [Id(29)] public TimeSpan? Timeout { get; init; }

    /// <summary>The retry policy the task was accepted with, the silo's defaults filled in; null for a task accepted before policies.</summary>
    [Id(32)] public TaskRetryPolicy? Retry { get; init; }

    /// <summary>The directory source the task reads; null for inline documents or an upload.</summary>
    [Id(40)] public DirectorySource? Source { get; init; }

    /// <summary>The upload the task reads; null for inline documents or a directory source.</summary>
    [Id(41)] public Guid? Upload { get; init; }

    /// <summary>Whether the task removes, at the end of its source, the collection's documents the source no longer holds.</summary>
    [Id(42)] public bool DeleteMissing { get; init; }

    /// <summary>How many documents that removal has taken out of the index; null before it has started (or without <see cref="DeleteMissing"/>).</summary>
    [Id(43)] public long? Deleted { get; init; }

    /// <summary>Why a <see cref="DeleteMissing"/> task removes nothing (its source was not read whole, or held nothing); null otherwise.</summary>
    [Id(44)] public string? DeleteSkipped { get; init; }

    /// <summary>Seconds left at <see cref="Rate"/>: null without a rate, 0 once ended.</summary>
    public int? EtaSeconds => TaskRates.EtaSeconds(Status, Current, Total, Rate);

    /// <summary>True once the task has ended: nothing follows this snapshot.</summary>
    public bool IsTerminal => Status.IsTerminal();
}
