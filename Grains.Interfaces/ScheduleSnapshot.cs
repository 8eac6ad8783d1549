using System.Collections.Immutable;

namespace OrleansTasks;

/// <summary>
/// A schedule as it stands: what and when it runs, its next and last runs, and what it skipped.
/// Every change is published on its owner's list feed (<see cref="TaskStreams.ForOwnerLists"/>).
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansTasks.ScheduleSnapshot")]
public sealed record ScheduleSnapshot : IOwnerFeedItem
{
    /// <summary>The schedule's id.</summary>
    [Id(0)] public required Guid ScheduleId { get; init; }
    /// <summary>Who created the schedule.</summary>
    [Id(1)] public required string OwnerId { get; init; }
    /// <summary>Its name, for people.</summary>
    [Id(2)] public required string Name { get; init; }
    /// <summary>The collection its tasks index into.</summary>
    [Id(3)] public required string Collection { get; init; }
    /// <summary>When it runs.</summary>
    [Id(4)] public required ScheduleTrigger Trigger { get; init; }
    /// <summary>What happens to occurrences missed while the cluster was down.</summary>
    [Id(5)] public required MissedRunPolicy Missed { get; init; }
    /// <summary>What happens to an occurrence while the previous run still goes.</summary>
    [Id(6)] public required OverlapPolicy Overlap { get; init; }
    /// <summary>True while paused: no occurrence runs.</summary>
    [Id(7)] public required bool Paused { get; init; }

    /// <summary>When the next occurrence falls due; null once a one-time schedule has run.</summary>
    [Id(8)] public DateTimeOffset? NextRunAt { get; init; }

    /// <summary>The latest runs, newest first.</summary>
    [Id(9)] public required ImmutableArray<ScheduleRun> RecentRuns { get; init; }

    /// <summary>Occurrences run so far, "run now" included.</summary>
    [Id(10)] public required int Runs { get; init; }

    /// <summary>Occurrences skipped so far (missed while down, or overlapping a run that was still going).</summary>
    [Id(11)] public required int Skipped { get; init; }

    /// <summary>Occurrences waiting for the current run to end (overlap policy <c>queue</c>).</summary>
    [Id(12)] public required int Queued { get; init; }

    /// <summary>Why the latest skipped occurrence was skipped; null if none was.</summary>
    [Id(13)] public string? LastSkipReason { get; init; }
    /// <summary>When the schedule was created.</summary>
    [Id(14)] public required DateTimeOffset CreatedAt { get; init; }
    /// <summary>When this snapshot was made.</summary>
    [Id(15)] public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>The priority of every run.</summary>
    [Id(16)] public TaskPriority Priority { get; init; }

    /// <summary>The retry policy of every run as the schedule was given it; what it leaves out takes the silo's defaults at each run.</summary>
    [Id(17)] public TaskRetryPolicy? Retry { get; init; }

    /// <summary>The time limit of every run as given; null: the silo's default at each run.</summary>
    [Id(18)] public TimeSpan? Timeout { get; init; }

    /// <summary>Grows with every stored change; 0 from a silo of a release that did not count them.</summary>
    [Id(19)] public long Seq { get; init; }

    /// <summary>True in the last snapshot of a schedule, published when it is deleted.</summary>
    [Id(20)] public bool Deleted { get; init; }

    /// <summary>Always 0: a schedule has no progress of its own.</summary>
    public int Progress => 0;

    /// <summary>True once deleted: nothing follows.</summary>
    public bool IsTerminal => Deleted;

    Guid IOwnerFeedItem.ItemId => ScheduleId;

    OwnerFeedItemKind IOwnerFeedItem.ItemKind => OwnerFeedItemKind.Schedule;

    int IOwnerFeedItem.Phase => Deleted ? 2 : Paused ? 1 : 0;

    bool IOwnerFeedItem.IsBusy => false;

    /// <summary>The schedule's last snapshot, once it is deleted: nothing runs any more.</summary>
    public ScheduleSnapshot WithDeleted(long seq, DateTimeOffset at) =>
        this with { Deleted = true, Paused = false, NextRunAt = null, Queued = 0, Seq = seq, UpdatedAt = at };

    /// <summary>The newest run, or null before the first.</summary>
    public ScheduleRun? LastRun => RecentRuns.IsDefaultOrEmpty ? null : RecentRuns[0];
}
