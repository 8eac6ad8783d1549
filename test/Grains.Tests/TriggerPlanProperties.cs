using CsCheck;
using OrleansTasks.Schedules;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// A schedule's occurrences for any trigger and any sequence of clock readings at its ticks —
/// late ticks, bursts, a clock that jumps back, daylight-saving changes: every occurrence up to the
/// latest reading is accounted for exactly once (run or skipped as missed), and none before its time.
/// A one-off (<c>at</c>) trigger fires once if the clock reaches its time, never again. What the
/// occurrences are comes from <see cref="TriggerOracle"/> (arithmetic for intervals, the cron fields
/// checked minute by minute), not from the plan under test.
/// </summary>
public sealed class TriggerPlanProperties
{
    private static readonly DateTimeOffset Year = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly string[] CronExpressions = ["*/5 * * * *", "0 * * * *", "30 2 * * *", "0 0 * * 0", "15 3 1 * *", "0 9-17 * * 1-5", "0 1,2,3 * * *"];

    private static readonly string[] Zones = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata"];

    private static readonly Gen<ScheduleTrigger> Triggers = Gen.OneOf(
        from minutes in Gen.Int[1, 180]
        from startOffset in Gen.Int[0, 600]
        select new ScheduleTrigger(Every: TimeSpan.FromMinutes(minutes), StartAt: Year.AddMinutes(startOffset)),
        from cron in Gen.OneOf(CronExpressions)
        from zone in Gen.OneOf(Zones)
        select new ScheduleTrigger(Cron: cron, TimeZone: zone),
        from minutes in Gen.Int[-600, 3000]
        select ScheduleTrigger.Once(Year.AddMinutes(minutes)));

    /// <summary>A trigger, the day of the year it is created on, and the clock's steps in minutes between ticks (negative: back).</summary>
    private static readonly Gen<(ScheduleTrigger Trigger, int Day, int[] Steps)> Runs =
        Gen.Select(Triggers, Gen.Int[0, 364], Gen.Int[-180, 900].Array[1, 60]);

    /// <summary>Zones with daylight saving and the days in 2026 on which they change their clocks (UTC midnight of the day).</summary>
    private static readonly (string Zone, DateTimeOffset Day)[] ClockChanges =
    [
        ("Europe/Berlin", new(2026, 3, 29, 0, 0, 0, TimeSpan.Zero)), ("Europe/Berlin", new(2026, 10, 25, 0, 0, 0, TimeSpan.Zero)),
        ("America/New_York", new(2026, 3, 8, 0, 0, 0, TimeSpan.Zero)), ("America/New_York", new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero)),
        ("Australia/Sydney", new(2026, 4, 4, 0, 0, 0, TimeSpan.Zero)), ("Australia/Sydney", new(2026, 10, 3, 0, 0, 0, TimeSpan.Zero)),
    ];

    /// <summary>A cron trigger in a zone with daylight saving, created within a day of one of its clock changes, ticked in small steps across it.</summary>
    private static readonly Gen<(ScheduleTrigger Trigger, DateTimeOffset Created, int[] Steps)> AroundClockChanges =
        Gen.Select(
            from cron in Gen.OneOf([.. CronExpressions, "*/7 2 * * *", "59 1 * * *", "0 2 * * *", "30 2 * * *"])
            from change in Gen.OneOf(ClockChanges)
            from minutes in Gen.Int[-1440, 1440]
            select (new ScheduleTrigger(Cron: cron, TimeZone: change.Zone), change.Day.AddMinutes(minutes)),
            Gen.Int[-60, 240].Array[1, 60])
        .Select(run => (run.Item1.Item1, run.Item1.Item2, run.Item2));

    [Fact]
    public void Every_occurrence_is_accounted_for_once_whatever_the_clock_does() =>
        Runs.Sample((trigger, day, steps) =>
        {
            var shifted = trigger.StartAt is { } start ? trigger with { StartAt = start.AddDays(day) }
                : trigger.At is { } at ? trigger with { At = at.AddDays(day) }
                : trigger;
            Check(shifted, Year.AddDays(day), steps);
        }, iter: 3_000);

    [Fact]
    public void Cron_occurrences_across_daylight_saving_changes_are_those_of_the_wall_clock() =>
        AroundClockChanges.Sample((trigger, created, steps) => Check(trigger, created, steps), iter: 2_000);

    /// <summary>Ticks the plan of <paramref name="shifted"/> at the clock's readings and checks what fired against the oracle.</summary>
    private static void Check(ScheduleTrigger shifted, DateTimeOffset created, int[] steps)
    {
        var plan = TriggerPlan.Of(shifted);
        var due = plan.NextAfter(created);
        var now = created;
        var latestSeen = created;
        var accounted = 0L;
        DateTimeOffset? lastFired = null;
        var fired = new List<DateTimeOffset>();
        foreach (var step in steps)
        {
            now = now.AddMinutes(step);
            latestSeen = now > latestSeen ? now : latestSeen;
            if (due is not { } next || next > now)
            {
                continue;
            }

            var (latest, missed, following) = plan.CatchUp(next, now);
            fired.Add(latest);
            Assert.True(latest <= now, $"fired {latest:O} before its time {now:O}");
            Assert.True(latest >= next, $"fired {latest:O}, older than the occurrence due {next:O}");
            Assert.True(lastFired is null || latest > lastFired, $"fired {latest:O} after {lastFired:O}");
            Assert.True(following is null || following > now, $"next due {following:O} is not after {now:O}");
            accounted += missed + 1;
            lastFired = latest;
            due = following;
        }

        var expected = TriggerOracle.Occurrences(shifted, created, latestSeen);
        Assert.True(expected.Count == accounted, $"{Describe(shifted)} created {created:O}: {accounted} accounted for, the oracle has {expected.Count} up to {latestSeen:O}: {string.Join(", ", expected.Take(5).Select(o => o.ToString("O")))}");
        var occurrences = expected.ToHashSet();
        Assert.All(fired, latest => Assert.True(occurrences.Contains(latest), $"{Describe(shifted)} fired at {latest:O}, which is no occurrence"));
    }

    private static string Describe(ScheduleTrigger trigger) =>
        trigger.Cron is { } cron ? $"'{cron}' in {trigger.TimeZone}" : trigger.Every is { } every ? $"every {every} from {trigger.StartAt:O}" : $"at {trigger.At:O}";
}
