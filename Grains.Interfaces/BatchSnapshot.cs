using System.Collections.Immutable;

namespace OrleansTasks;

/// <summary>
/// The state of a batch at one <see cref="Seq"/>: its tasks and their rolled-up progress. Every
/// change is published on <see cref="TaskStreams.ForBatch(Guid)"/>.
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansTasks.BatchSnapshot")]
public sealed record BatchSnapshot : IOwnerFeedItem
{
    /// <summary>The batch's id.</summary>
    [Id(0)] public required Guid BatchId { get; init; }
    /// <summary>Who created the batch (<c>user:alice</c>, <c>service:reports</c>).</summary>
    [Id(1)] public required string OwnerId { get; init; }
    /// <summary>Its tasks' statuses and progress rolled up.</summary>
    [Id(2)] public required TaskGroupProgress Rollup { get; init; }
    /// <summary>What is happening, for people.</summary>
    [Id(3)] public required string Message { get; init; }
    /// <summary>Grows with every change published on the batch's stream.</summary>
    [Id(4)] public required long Seq { get; init; }
    /// <summary>Each task of the batch with its own status and progress.</summary>
    [Id(5)] public required ImmutableArray<GroupTask> Tasks { get; init; }
    /// <summary>When the batch was created.</summary>
    [Id(6)] public required DateTimeOffset CreatedAt { get; init; }
    /// <summary>When this snapshot was made.</summary>
    [Id(7)] public required DateTimeOffset UpdatedAt { get; init; }
    /// <summary>When the last of its tasks ended; null before.</summary>
    [Id(8)] public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>Set when the batch as a whole was cancelled, in the wire format (<c>user:alice</c>).</summary>
    [Id(9)] public string? CancelledBy { get; init; }

    /// <summary>The batch this one retries (its failed and cancelled tasks), if it is a retry.</summary>
    [Id(10)] public Guid? RetryOf { get; init; }

    /// <summary>The batch that retries this one, once someone has retried it.</summary>
    [Id(11)] public Guid? RetriedBy { get; init; }

    /// <summary>
    /// The batch's status: that of its rollup, except that a batch cancelled as a whole is
    /// <c>cancelled</c> once its tasks have ended.
    /// </summary>
    public IndexTaskStatus Status => CancelledBy is not null && Rollup.Tasks.Unfinished == 0 ? IndexTaskStatus.Cancelled : Rollup.Status;

    /// <summary>0–100, the rollup's; a cancelled batch never shows -1.</summary>
    public int Progress => Status == IndexTaskStatus.Cancelled ? Math.Max(0, Rollup.Progress) : Rollup.Progress;

    /// <summary>True once every task has ended: nothing follows this snapshot.</summary>
    public bool IsTerminal => Status.IsTerminal();

    Guid IOwnerFeedItem.ItemId => BatchId;

    OwnerFeedItemKind IOwnerFeedItem.ItemKind => OwnerFeedItemKind.Batch;

    int IOwnerFeedItem.Phase => (int)Status;

    bool IOwnerFeedItem.IsBusy => Status == IndexTaskStatus.Processing;

    /// <summary>The batch as its list row shows it, for the owner feeds: without its tasks.</summary>
    public BatchSnapshot WithoutTasks() => this with { Tasks = [] };
}
