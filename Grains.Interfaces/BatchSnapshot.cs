using System.Collections.Immutable;

namespace OrleansTasks;

/// <summary>
/// The state of a batch at one <see cref="Seq"/>: its tasks and their rolled-up progress. Every
/// change is published on <see cref="TaskStreams.ForBatch(Guid)"/>.
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansTasks.BatchSnapshot")]
public sealed record BatchSnapshot : IFeedSnapshot
{
    [Id(0)] public required Guid BatchId { get; init; }
    [Id(1)] public required string OwnerId { get; init; }
    [Id(2)] public required TaskGroupProgress Rollup { get; init; }
    [Id(3)] public required string Message { get; init; }
    [Id(4)] public required long Seq { get; init; }
    [Id(5)] public required ImmutableArray<GroupTask> Tasks { get; init; }
    [Id(6)] public required DateTimeOffset CreatedAt { get; init; }
    [Id(7)] public required DateTimeOffset UpdatedAt { get; init; }
    [Id(8)] public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>Set when the batch as a whole was cancelled, in the wire format (<c>user:alice</c>).</summary>
    [Id(9)] public string? CancelledBy { get; init; }

    /// <summary>
    /// The batch's status: that of its rollup, except that a batch cancelled as a whole is
    /// <c>cancelled</c> once its tasks have ended.
    /// </summary>
    public IndexTaskStatus Status => CancelledBy is not null && Rollup.Tasks.Unfinished == 0 ? IndexTaskStatus.Cancelled : Rollup.Status;

    public int Progress => Status == IndexTaskStatus.Cancelled ? Math.Max(0, Rollup.Progress) : Rollup.Progress;

    public bool IsTerminal => Status.IsTerminal();
}
