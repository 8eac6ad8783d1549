using System.Collections.Immutable;

namespace OrleansTasks;

/// <summary>A schedule as it stands: what and when it runs, its next and last runs, and what it skipped.</summary>
[GenerateSerializer, Immutable, Alias("OrleansTasks.ScheduleSnapshot")]
public sealed record ScheduleSnapshot : IOwned
{
    [Id(0)] public required Guid ScheduleId { get; init; }
    [Id(1)] public required string OwnerId { get; init; }
    [Id(2)] public required string Name { get; init; }
    [Id(3)] public required string Collection { get; init; }
    [Id(4)] public required ScheduleTrigger Trigger { get; init; }
    [Id(5)] public required MissedRunPolicy Missed { get; init; }
    [Id(6)] public required OverlapPolicy Overlap { get; init; }
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

    [Id(13)] public string? LastSkipReason { get; init; }
    [Id(14)] public required DateTimeOffset CreatedAt { get; init; }
    [Id(15)] public required DateTimeOffset UpdatedAt { get; init; }

    public ScheduleRun? LastRun => RecentRuns.IsDefaultOrEmpty ? null : RecentRuns[0];
}
