using System.Collections.Immutable;

namespace OrleansTasks;

/// <summary>
/// What an index task should do: index <see cref="Documents"/> (or the files of <see cref="Source"/>, or the
/// lines of <see cref="Upload"/>) into <see cref="Collection"/> on behalf of <see cref="OwnerId"/>. Exactly one of the three is given.
/// A task with <see cref="DependsOn"/> waits until every one of those tasks (existing tasks of the
/// same owner) has completed, and ends without running if one of them fails or is cancelled. A
/// task with <see cref="RunAt"/> in the future waits (<c>waiting</c>) until that time. A task made by
/// retrying another names it in <see cref="RetryOf"/>. A slice that
/// fails transiently is retried as <see cref="Retry"/> says (null: the silo's defaults); a task that
/// runs longer than <see cref="Timeout"/> after its start (null: the silo's default, if any;
/// <see cref="NoTimeout"/>: no limit, whatever the default) fails with the code <c>timeout</c>.
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansTasks.StartIndexTask")]
public sealed record StartIndexTask(
    [property: Id(0)] string OwnerId,
    [property: Id(1)] string Collection,
    [property: Id(2)] ImmutableArray<IndexDocument> Documents,
    [property: Id(3)] DirectorySource? Source = null,
    [property: Id(4)] ImmutableArray<Guid> DependsOn = default,
    [property: Id(5)] Guid? BatchId = null,
    [property: Id(6)] Guid? ScheduleId = null,
    [property: Id(7)] DateTimeOffset? RunAt = null,
    [property: Id(8)] Guid? RetryOf = null,
    [property: Id(9)] TaskRetryPolicy? Retry = null,
    [property: Id(10)] TimeSpan? Timeout = null)
{
    /// <summary>
    /// The <see cref="Timeout"/> of a task that has no time limit even where the silo sets
    /// <c>Tasks:DefaultTimeout</c> (<c>"timeout": "none"</c>). A silo of the release before time limits,
    /// whose request has no <see cref="Timeout"/> field, ignores it and runs the task without a limit, as it runs every task.
    /// </summary>
    public static readonly TimeSpan NoTimeout = System.Threading.Timeout.InfiniteTimeSpan;

    /// <summary><see cref="DependsOn"/>, never a default array.</summary>
    public ImmutableArray<Guid> Dependencies => DependsOn.IsDefault ? [] : DependsOn;

    /// <summary>Which waiting tasks admission takes first; see <see cref="TaskPriority"/>.</summary>
    [Id(11)] public TaskPriority Priority { get; init; }

    /// <summary>A complete upload of the owner (<c>POST /api/uploads</c>) to read in place of <see cref="Documents"/> or <see cref="Source"/>.</summary>
    [Id(12)] public Guid? Upload { get; init; }

    /// <summary>
    /// With <see cref="Source"/> or <see cref="Upload"/>: once the whole source has been read, the documents of
    /// <see cref="Collection"/> the source no longer holds are removed from the index (never after a failed or cancelled run).
    /// </summary>
    [Id(13)] public bool DeleteMissing { get; init; }
}
