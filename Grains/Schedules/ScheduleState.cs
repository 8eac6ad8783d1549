namespace OrleansTasks.Schedules;

/// <summary>What a schedule persists: its definition, its next due time, its recent runs and its queue.</summary>
[GenerateSerializer, Alias("OrleansTasks.Schedules.ScheduleState")]
public sealed class ScheduleState
{
    [Id(0)] public bool Accepted { get; set; }
    [Id(1)] public string OwnerId { get; set; } = "";
    [Id(2)] public string Name { get; set; } = "";
    [Id(3)] public TaskTemplate? Template { get; set; }
    [Id(4)] public ScheduleTrigger? Trigger { get; set; }
    [Id(5)] public MissedRunPolicy Missed { get; set; }
    [Id(6)] public OverlapPolicy Overlap { get; set; }
    [Id(7)] public bool Paused { get; set; }

    /// <summary>The next occurrence to fire; everything before it has been fired or skipped.</summary>
    [Id(8)] public DateTimeOffset? NextDueAt { get; set; }

    /// <summary>Newest first.</summary>
    [Id(9)] public List<ScheduleRun> RecentRuns { get; set; } = [];
    [Id(10)] public int Runs { get; set; }
    [Id(11)] public int Skipped { get; set; }
    [Id(12)] public string? LastSkipReason { get; set; }

    /// <summary>Occurrences waiting for the current run to end, oldest first.</summary>
    [Id(13)] public List<DateTimeOffset> Queue { get; set; } = [];
    [Id(14)] public DateTimeOffset CreatedAt { get; set; }
    [Id(15)] public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>A run recorded before its task is started; moved into <see cref="RecentRuns"/> once it has.</summary>
    [Id(16)] public ScheduleRun? Starting { get; set; }

    /// <summary>Grows with every write, so that the owner feeds order the schedule's changes.</summary>
    [Id(17)] public long Seq { get; set; }

    /// <summary>
    /// Set, with <see cref="Accepted"/> cleared, by a deletion: kept for as long as the
    /// Idempotency-Key that created the schedule may be replayed, so that a replay does not create it again.
    /// </summary>
    [Id(18)] public bool Deleted { get; set; }
}
