using CsCheck;
using OrleansTasks.Schedules;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// A schedule's occurrences for any trigger and any sequence of clock readings at its ticks —
/// late ticks, bursts, a clock that jumps back, daylight-saving changes: every occurrence up to the
/// latest reading is accounted for exactly once (run or skipped as missed), and none before its time.
/// A one-off (<c>at</c>) trigger fires once if the clock reaches its time, never again.
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

    [Fact]
    public void Every_occurrence_is_accounted_for_once_whatever_the_clock_does() =>
        Runs.Sample((trigger, day, steps) =>
        {
            var created = Year.AddDays(day);
            var shifted = trigger.StartAt is { } start ? trigger with { StartAt = start.AddDays(day) }
                : trigger.At is { } at ? trigger with { At = at.AddDays(day) }
                : trigger;
            var plan = TriggerPlan.Of(shifted);
            var due = plan.NextAfter(created);
            var now = created;
            var latestSeen = created;
            var accounted = 0L;
            DateTimeOffset? lastFired = null;
            foreach (var step in steps)
            {
                now = now.AddMinutes(step);
                latestSeen = now > latestSeen ? now : latestSeen;
                if (due is not { } next || next > now)
                {
                    continue;
                }

                var (latest, missed, following) = plan.CatchUp(next, now);
                Assert.True(latest <= now, $"fired {latest:O} before its time {now:O}");
                Assert.True(latest >= next, $"fired {latest:O}, older than the occurrence due {next:O}");
                Assert.True(lastFired is null || latest > lastFired, $"fired {latest:O} after {lastFired:O}");
                Assert.True(following is null || following > now, $"next due {following:O} is not after {now:O}");
                accounted += missed + 1;
                lastFired = latest;
                due = following;
            }

            Assert.Equal(OccurrencesBetween(plan, created, latestSeen), accounted);
            if (shifted.At is { } once)
            {
                // Counted without the plan: one occurrence, if its time came after the creation and the clock reached it.
                Assert.Equal(once > created && once <= latestSeen ? 1 : 0, accounted);
            }
        }, iter: 3_000);

    /// <summary>The plan's occurrences after <paramref name="from"/> up to and including <paramref name="to"/>, counted one by one.</summary>
    private static long OccurrencesBetween(TriggerPlan plan, DateTimeOffset from, DateTimeOffset to)
    {
        var count = 0L;
        for (var next = plan.NextAfter(from); next is { } occurrence && occurrence <= to; next = plan.NextAfter(occurrence))
        {
            count++;
        }

        return count;
    }
}
