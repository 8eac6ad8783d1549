using System.ComponentModel.DataAnnotations;

namespace OrleansTasks.Schedules;

/// <summary>Pacing and limits of schedules, bound from the <c>Schedules</c> configuration section.</summary>
public sealed class SchedulesOptions
{
    public const string SectionName = "Schedules";

    /// <summary>The service key of the clock schedules read; tests replace it to control time.</summary>
    public const string ClockKey = "schedules";

    /// <summary>The shortest interval a schedule may have.</summary>
    public static readonly TimeSpan MinimumInterval = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How often a schedule's reminder ticks when its next occurrence is further away; a schedule
    /// also re-arms it to tick right at an occurrence that falls within this period.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan CheckPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How late an occurrence may run and still count as on time, under the missed-run policy <c>skip</c>.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan MissedGrace { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Occurrences queued behind a run still going (overlap policy <c>queue</c>); more are skipped.</summary>
    [Range(1, 1000)]
    public int MaxQueued { get; set; } = 10;

    /// <summary>The latest runs a schedule lists.</summary>
    [Range(1, 1000)]
    public int RecentRuns { get; set; } = 20;

    /// <summary>Inline documents a schedule's template may hold (directory sources have no such limit).</summary>
    [Range(1, 100_000)]
    public int MaxTemplateDocuments { get; set; } = 1_000;
}
