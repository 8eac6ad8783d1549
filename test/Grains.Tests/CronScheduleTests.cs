using Microsoft.Extensions.Time.Testing;
using OrleansTasks.Testing;

namespace OrleansTasks.Grains.Tests;

/// <summary>A cron schedule in a time zone with daylight saving, on a clock the test sets to the dates of the changes.</summary>
public sealed class CronScheduleTests(ScheduleClusterFixture fixture) : IClassFixture<ScheduleClusterFixture>
{
    private FakeTimeProvider Clock => fixture.Clock;

    /// <summary>Moves the clock to the next occurrence, ticks, and waits for the run it started to end.</summary>
    private async Task<ScheduleSnapshot> FireAtNextAsync(IScheduleGrain grain)
    {
        var due = (await grain.GetSnapshot())!.NextRunAt!.Value;
        Clock.SetUtcNow(due);
        await fixture.TickAsync(grain.GetPrimaryKey());
        var fired = (await grain.GetSnapshot())!;
        var run = fixture.Grains.GetGrain<IIndexTaskGrain>(fired.LastRun!.TaskId);
        await Eventually.TrueAsync(async () => (await run.GetSnapshot())!.IsTerminal);
        return fired;
    }

    [Fact]
    public async Task A_daily_cron_in_berlin_follows_local_time_across_both_daylight_saving_changes()
    {
        Clock.SetUtcNow(new DateTimeOffset(2026, 3, 27, 12, 0, 0, TimeSpan.Zero));
        var grain = fixture.Grains.GetGrain<IScheduleGrain>(Guid.NewGuid());
        var created = await grain.Create(new CreateSchedule("alice", "nightly", new TaskTemplate("cron", Documents.Generate(2)),
            ScheduleTrigger.CronExpression("30 2 * * *", "Europe/Berlin")));

        var occurrences = new List<DateTimeOffset>();
        for (var i = 0; i < 3; i++)
        {
            occurrences.Add((await FireAtNextAsync(grain)).LastRun!.Occurrence);
        }

        Clock.SetUtcNow(new DateTimeOffset(2026, 10, 24, 12, 0, 0, TimeSpan.Zero));
        await grain.SetPaused(true);
        await grain.SetPaused(false);
        for (var i = 0; i < 2; i++)
        {
            occurrences.Add((await FireAtNextAsync(grain)).LastRun!.Occurrence);
        }

        var end = (await grain.GetSnapshot())!;

        Assert.Equal(new DateTimeOffset(2026, 3, 28, 1, 30, 0, TimeSpan.Zero), created.NextRunAt);
        Assert.Equal(
        [
            new DateTimeOffset(2026, 3, 28, 1, 30, 0, TimeSpan.Zero),  // 02:30 CET
            new DateTimeOffset(2026, 3, 29, 1, 0, 0, TimeSpan.Zero),   // 02:30 does not exist: 03:00 CEST, the end of the gap
            new DateTimeOffset(2026, 3, 30, 0, 30, 0, TimeSpan.Zero),  // 02:30 CEST
            new DateTimeOffset(2026, 10, 25, 0, 30, 0, TimeSpan.Zero), // 02:30 happens twice: once, in CEST
            new DateTimeOffset(2026, 10, 26, 1, 30, 0, TimeSpan.Zero), // 02:30 CET
        ], occurrences);
        Assert.Equal(5, end.Runs);
        Assert.Equal(0, end.Skipped);
    }
}
