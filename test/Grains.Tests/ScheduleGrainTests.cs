using OrleansTasks.Schedules;
using OrleansTasks.Testing;

namespace OrleansTasks.Grains.Tests;

public sealed class ScheduleGrainTests(ScheduleClusterFixture fixture) : IClassFixture<ScheduleClusterFixture>
{
    private static readonly TimeSpan TenMinutes = TimeSpan.FromMinutes(10);

    private static TaskTemplate Template(int documents = 5, int words = 60) =>
        new("s" + Guid.NewGuid().ToString("N")[..12], Documents.Generate(documents, wordsPerDocument: words));

    private async Task<(IScheduleGrain Grain, ScheduleSnapshot Created)> CreateAsync(
        ScheduleTrigger trigger, TaskTemplate? template = null, MissedRunPolicy missed = MissedRunPolicy.RunOnce,
        OverlapPolicy overlap = OverlapPolicy.Skip, string owner = "alice")
    {
        var grain = fixture.Grains.GetGrain<IScheduleGrain>(Guid.NewGuid());
        var created = await grain.Create(new CreateSchedule(owner, "test", template ?? Template(), trigger, missed, overlap));
        return (grain, created);
    }

    private static async Task<ScheduleSnapshot> SnapshotAsync(IScheduleGrain grain) => (await grain.GetSnapshot())!;

    [Fact]
    public async Task An_interval_schedule_fires_each_occurrence_once_on_the_tests_clock()
    {
        var (grain, created) = await CreateAsync(ScheduleTrigger.Interval(TenMinutes));
        var first = created.NextRunAt!.Value;

        fixture.Clock.Advance(TimeSpan.FromMinutes(9));
        await fixture.TickAsync(created.ScheduleId);
        var early = await SnapshotAsync(grain);
        fixture.Clock.Advance(TimeSpan.FromMinutes(1));
        await fixture.TickAsync(created.ScheduleId);
        await fixture.TickAsync(created.ScheduleId);
        var fired = await SnapshotAsync(grain);
        var task = await fixture.Grains.GetGrain<IIndexTaskGrain>(fired.LastRun!.TaskId).GetSnapshot();

        Assert.Equal(fixture.Clock.GetUtcNow() - TimeSpan.FromMinutes(10) + TenMinutes, first);
        Assert.Equal(0, early.Runs);
        Assert.Equal(1, fired.Runs);
        Assert.Equal(first, fired.LastRun.Occurrence);
        Assert.False(fired.LastRun.Manual);
        Assert.Equal(first + TenMinutes, fired.NextRunAt);
        Assert.Equal(OccurrenceIds.For(created.ScheduleId, first), fired.LastRun.TaskId);
        Assert.NotNull(task);
        Assert.Equal(created.ScheduleId, task.ScheduleId);
        Assert.Equal("alice", task.OwnerId);
    }

    [Fact]
    public async Task A_doubled_reminder_tick_fires_the_occurrence_once()
    {
        var (grain, created) = await CreateAsync(ScheduleTrigger.Interval(TimeSpan.FromMinutes(1)));
        fixture.Clock.Advance(TimeSpan.FromMinutes(1));

        await Task.WhenAll(fixture.TickAsync(created.ScheduleId), fixture.TickAsync(created.ScheduleId));
        var after = await SnapshotAsync(grain);
        var history = await fixture.Grains.GetGrain<ITaskHistoryGrain>(0).List(new HistoryQuery("alice", null, after.Collection, null, null, null, 10));

        Assert.Equal(1, after.Runs);
        Assert.Single(history.Items);
        Assert.Equal(after.LastRun!.TaskId, history.Items[0].TaskId);
    }

    [Fact]
    public async Task A_schedule_fires_by_its_own_reminder_while_nobody_calls_it()
    {
        var (_, created) = await CreateAsync(ScheduleTrigger.Interval(TimeSpan.FromMinutes(1)));
        var history = fixture.Grains.GetGrain<ITaskHistoryGrain>(0);

        fixture.Clock.Advance(TimeSpan.FromMinutes(1));

        // Only the history is read: the reminder alone has to wake the schedule.
        await Eventually.TrueAsync(async () =>
            (await history.List(new HistoryQuery("alice", null, created.Collection, null, null, null, 10))).Items.Length == 1,
            TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Missed_occurrences_run_once_or_are_skipped_as_each_schedule_says()
    {
        var (runOnce, runOnceCreated) = await CreateAsync(ScheduleTrigger.Interval(TenMinutes), missed: MissedRunPolicy.RunOnce);
        var (skip, skipCreated) = await CreateAsync(ScheduleTrigger.Interval(TenMinutes), missed: MissedRunPolicy.Skip);
        var start = runOnceCreated.NextRunAt!.Value;

        fixture.Clock.Advance(TimeSpan.FromMinutes(35));
        await fixture.TickAsync(runOnceCreated.ScheduleId);
        await fixture.TickAsync(skipCreated.ScheduleId);
        var ranOnce = await SnapshotAsync(runOnce);
        var skipped = await SnapshotAsync(skip);

        Assert.Equal(1, ranOnce.Runs);
        Assert.Equal(start + TimeSpan.FromMinutes(20), ranOnce.LastRun!.Occurrence);
        Assert.Equal(2, ranOnce.Skipped);
        Assert.Equal(start + TimeSpan.FromMinutes(30), ranOnce.NextRunAt);
        Assert.Equal(0, skipped.Runs);
        Assert.Equal(3, skipped.Skipped);
        Assert.StartsWith("Missed while the cluster was down", skipped.LastSkipReason, StringComparison.Ordinal);
        Assert.Equal(skipCreated.NextRunAt!.Value + TimeSpan.FromMinutes(30), skipped.NextRunAt);
    }

    [Fact]
    public async Task An_occurrence_overlapping_a_run_still_going_is_skipped_or_queued_as_the_schedule_says()
    {
        // The runs' writes wait until the second occurrences are handled: the first runs are still
        // going then however fast the machine is.
        var held = Template();
        fixture.Faults.PaceIndex(held.Collection, TimeSpan.FromHours(1));
        var (skipping, skippingCreated) = await CreateAsync(ScheduleTrigger.Interval(TimeSpan.FromMinutes(1)), held, overlap: OverlapPolicy.Skip);
        var (queueing, queueingCreated) = await CreateAsync(ScheduleTrigger.Interval(TimeSpan.FromMinutes(1)), held, overlap: OverlapPolicy.Queue);

        fixture.Clock.Advance(TimeSpan.FromMinutes(1));
        await fixture.TickAsync(skippingCreated.ScheduleId);
        await fixture.TickAsync(queueingCreated.ScheduleId);
        fixture.Clock.Advance(TimeSpan.FromMinutes(1));
        await fixture.TickAsync(skippingCreated.ScheduleId);
        await fixture.TickAsync(queueingCreated.ScheduleId);
        var skipped = await SnapshotAsync(skipping);
        var queued = await SnapshotAsync(queueing);
        fixture.Faults.LiftPaces();
        await Eventually.TrueAsync(async () => (await SnapshotAsync(queueing)).Runs == 2, TimeSpan.FromSeconds(90));
        var drained = await SnapshotAsync(queueing);
        var firstRun = await fixture.Grains.GetGrain<IIndexTaskGrain>(drained.RecentRuns[1].TaskId).GetSnapshot();
        var secondRun = await fixture.Grains.GetGrain<IIndexTaskGrain>(drained.RecentRuns[0].TaskId).GetSnapshot();

        Assert.Equal((1, 1), (skipped.Runs, skipped.Skipped));
        Assert.Equal($"The previous run {skipped.LastRun!.TaskId} was still going", skipped.LastSkipReason);
        Assert.Equal((1, 1, 0), (queued.Runs, queued.Queued, queued.Skipped));
        Assert.Equal(0, drained.Queued);
        Assert.True(secondRun!.CreatedAt >= firstRun!.FinishedAt, "the queued run started before the previous one ended");
    }

    [Fact]
    public async Task A_paused_schedule_skips_what_falls_due_meanwhile_and_resumes_with_the_next_occurrence()
    {
        var (grain, created) = await CreateAsync(ScheduleTrigger.Interval(TenMinutes));

        var paused = await grain.SetPaused(true);
        fixture.Clock.Advance(TimeSpan.FromMinutes(15));
        await fixture.TickAsync(created.ScheduleId);
        var whilePaused = await SnapshotAsync(grain);
        var resumed = await grain.SetPaused(false);
        await fixture.TickAsync(created.ScheduleId);
        var afterResume = await SnapshotAsync(grain);
        fixture.Clock.Advance(TimeSpan.FromMinutes(5));
        await fixture.TickAsync(created.ScheduleId);
        var fired = await SnapshotAsync(grain);

        Assert.True(paused!.Paused);
        Assert.Null(paused.NextRunAt);
        Assert.Equal(0, whilePaused.Runs);
        Assert.False(resumed!.Paused);
        Assert.Equal(created.NextRunAt!.Value + TenMinutes, resumed.NextRunAt);
        Assert.Equal(0, afterResume.Runs);
        Assert.Equal(1, fired.Runs);
        Assert.Equal(created.NextRunAt.Value + TenMinutes, fired.LastRun!.Occurrence);
    }

    [Fact]
    public async Task Run_now_starts_a_manual_run_even_while_paused_and_delete_removes_the_schedule_but_not_its_runs()
    {
        var (grain, created) = await CreateAsync(ScheduleTrigger.Interval(TenMinutes));
        await grain.SetPaused(true);

        var run = await grain.RunNow();
        var afterRun = await SnapshotAsync(grain);
        var deleted = await grain.Delete();
        var list = await fixture.Grains.GetGrain<IUserListGrain>(IUserListGrain.Schedules("alice")).List(null, 200);

        Assert.NotNull(run);
        Assert.True(run.Manual);
        Assert.Equal(1, afterRun.Runs);
        Assert.True(deleted);
        Assert.Null(await grain.GetSnapshot());
        Assert.False(await grain.Delete());
        Assert.Null(await grain.RunNow());
        Assert.DoesNotContain(created.ScheduleId, list.Ids);
        Assert.NotNull(await fixture.Grains.GetGrain<IIndexTaskGrain>(run.TaskId).GetSnapshot());
    }

    [Fact]
    public async Task A_create_repeated_after_the_deletion_is_refused_until_the_tombstone_ends_a_day_later()
    {
        var (grain, created) = await CreateAsync(ScheduleTrigger.Interval(TenMinutes));
        var request = new CreateSchedule("alice", "test", Template(), ScheduleTrigger.Interval(TenMinutes), MissedRunPolicy.RunOnce, OverlapPolicy.Skip);
        Assert.True(await grain.Delete());

        var refused = await Assert.ThrowsAsync<DeletedSinceCreatedException>(() => grain.Create(request));
        fixture.Clock.Advance(TimeSpan.FromHours(24));
        await fixture.TickAsync(created.ScheduleId);
        await Assert.ThrowsAsync<DeletedSinceCreatedException>(() => grain.Create(request));
        Assert.Null(await grain.GetSnapshot());

        // Its key has expired by now: the reminder clears the tombstone, and the id is free.
        fixture.Clock.Advance(TimeSpan.FromHours(1));
        await fixture.TickAsync(created.ScheduleId);
        var recreated = await grain.Create(request);

        Assert.Equal(created.ScheduleId, refused.Id);
        Assert.Equal(1, recreated.Seq);
        Assert.True(await grain.Delete());
    }

    [Theory]
    [InlineData("none", "trigger")]
    [InlineData("two", "trigger")]
    [InlineData("short-interval", "every")]
    [InlineData("bad-cron", "cron")]
    [InlineData("seconds-cron", "cron")]
    [InlineData("never-cron", "cron")]
    [InlineData("bad-zone", "time_zone")]
    [InlineData("zone-without-cron", "time_zone")]
    [InlineData("past", "at")]
    [InlineData("bad-collection", "task.collection")]
    public async Task An_invalid_schedule_is_refused_naming_the_field_and_nothing_is_created(string kind, string field)
    {
        var now = fixture.Clock.GetUtcNow();
        var trigger = kind switch
        {
            "none" => new ScheduleTrigger(),
            "two" => new ScheduleTrigger(At: now.AddHours(1), Every: TenMinutes),
            "short-interval" => ScheduleTrigger.Interval(TimeSpan.FromSeconds(30)),
            "bad-cron" => ScheduleTrigger.CronExpression("61 * * * *"),
            "seconds-cron" => ScheduleTrigger.CronExpression("*/5 * * * * *"),
            "never-cron" => ScheduleTrigger.CronExpression("0 0 30 2 *"),
            "bad-zone" => ScheduleTrigger.CronExpression("0 3 * * *", "Mars/Olympus_Mons"),
            "zone-without-cron" => new ScheduleTrigger(Every: TenMinutes, TimeZone: "Europe/Berlin"),
            "past" => ScheduleTrigger.Once(now.AddHours(-1)),
            _ => ScheduleTrigger.Interval(TenMinutes),
        };
        var template = kind == "bad-collection" ? Template() with { Collection = "../etc" } : Template();
        var owner = "owner-" + Guid.NewGuid().ToString("N")[..8];
        var grain = fixture.Grains.GetGrain<IScheduleGrain>(Guid.NewGuid());

        var error = await Assert.ThrowsAsync<InvalidScheduleRequestException>(() => grain.Create(new CreateSchedule(owner, "bad", template, trigger)));

        Assert.Equal(field, error.Field);
        Assert.Null(await grain.GetSnapshot());
        Assert.Empty((await fixture.Grains.GetGrain<IUserListGrain>(IUserListGrain.Schedules(owner)).List(null, 10)).Ids);
    }

    [Fact]
    public async Task A_one_time_schedule_years_ahead_fires_at_its_time()
    {
        var at = fixture.Clock.GetUtcNow().AddYears(5);
        var (grain, created) = await CreateAsync(ScheduleTrigger.Once(at));

        fixture.Clock.Advance(TimeSpan.FromDays(365));
        await fixture.TickAsync(created.ScheduleId);
        var aYearOn = await SnapshotAsync(grain);
        fixture.Clock.SetUtcNow(at);
        await fixture.TickAsync(created.ScheduleId);
        var fired = await SnapshotAsync(grain);

        Assert.Equal(at, created.NextRunAt);
        Assert.Equal(0, aYearOn.Runs);
        Assert.Equal(1, fired.Runs);
        Assert.Equal(at, fired.LastRun!.Occurrence);
        Assert.Null(fired.NextRunAt);
    }
}
