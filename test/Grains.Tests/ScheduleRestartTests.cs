using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OrleansTasks.Schedules;
using OrleansTasks.Testing;

namespace OrleansTasks.Grains.Tests;

/// <summary>Schedules across a restart of every silo on PostgreSQL, with occurrences missed while the cluster was down.</summary>
public sealed class ScheduleRestartTests(PostgresServer postgres)
{
    private static readonly TimeSpan TenMinutes = TimeSpan.FromMinutes(10);

    private static readonly Dictionary<string, string?> FastReminders = new()
    {
        ["Schedules:CheckPeriod"] = "00:00:02",
        ["Tasks:LeasePeriod"] = "00:00:02",
    };

    [Fact]
    public async Task Occurrences_missed_during_a_full_restart_run_once_or_are_skipped_by_policy_with_nobody_calling()
    {
        var database = await postgres.CreateDatabaseAsync();
        var cluster = "c" + Guid.NewGuid().ToString("N")[..10];
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 6, 1, 9, 0, 0, TimeSpan.Zero));
        void UseClock(ISiloBuilder silo) => silo.Services.AddKeyedSingleton<TimeProvider>(SchedulesOptions.ClockKey, clock);
        var owner = "owner-" + Guid.NewGuid().ToString("N")[..8];
        var runOnceId = Guid.NewGuid();
        var skipId = Guid.NewGuid();
        DateTimeOffset firstDue;
        await using (var silo = await PostgresSilo.StartAsync(database, cluster, FastReminders, UseClock))
        {
            var template = new TaskTemplate("restart", Documents.Generate(3));
            firstDue = (await silo.Client.GetGrain<IScheduleGrain>(runOnceId).Create(
                new CreateSchedule(owner, "run once", template, ScheduleTrigger.Interval(TenMinutes), MissedRunPolicy.RunOnce))).NextRunAt!.Value;
            await silo.Client.GetGrain<IScheduleGrain>(skipId).Create(
                new CreateSchedule(owner, "skip", template, ScheduleTrigger.Interval(TenMinutes), MissedRunPolicy.Skip));
        }

        // The cluster is down while three occurrences fall due.
        clock.Advance(TimeSpan.FromMinutes(35));
        await using var restarted = await PostgresSilo.StartAsync(database, cluster, FastReminders, UseClock);
        var history = restarted.Client.GetGrain<ITaskHistoryGrain>(0);

        // Only the history is read until the run appears: the reminders alone wake the schedules.
        await Eventually.TrueAsync(async () =>
            (await history.List(new HistoryQuery(owner, null, null, null, null, null, 10))).Items.Length == 1, TimeSpan.FromMinutes(1));
        await Eventually.TrueAsync(async () => (await restarted.Client.GetGrain<IScheduleGrain>(runOnceId).GetSnapshot())!.Runs == 1);
        await Eventually.TrueAsync(async () => (await restarted.Client.GetGrain<IScheduleGrain>(skipId).GetSnapshot())!.Skipped == 3);
        var runOnce = (await restarted.Client.GetGrain<IScheduleGrain>(runOnceId).GetSnapshot())!;
        var skip = (await restarted.Client.GetGrain<IScheduleGrain>(skipId).GetSnapshot())!;
        var runs = await history.List(new HistoryQuery(owner, null, null, null, null, null, 10));

        Assert.Equal(1, runOnce.Runs);
        Assert.Equal(firstDue + TimeSpan.FromMinutes(20), runOnce.LastRun!.Occurrence);
        Assert.Equal(2, runOnce.Skipped);
        Assert.Equal(firstDue + TimeSpan.FromMinutes(30), runOnce.NextRunAt);
        Assert.Equal(runOnce.LastRun.TaskId, Assert.Single(runs.Items).TaskId);
        Assert.Equal(0, skip.Runs);
        Assert.Equal(firstDue + TimeSpan.FromMinutes(30), skip.NextRunAt);
    }
}
