using OrleansTasks.Schedules;
using OrleansTasks.Tasks;
using OrleansTasks.Testing;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// A schedule whose single writes fail: a creation is finished by its retry or its reminder, a run
/// is recorded before its task starts, so no occurrence and no run-now starts twice and the overlap
/// policy sees every run.
/// </summary>
[Collection(FaultClusterCollection.Name)]
public sealed class ScheduleFailedWriteTests(FaultClusterFixture fixture)
{
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    private static GrainId ScheduleGrain(Guid scheduleId) => GrainId.Create("schedule", scheduleId.ToString("N"));

    private static string NewOwner() => "u" + Guid.NewGuid().ToString("N")[..10];

    private static CreateSchedule Request(string owner, string? collection = null, bool paused = false) =>
        new(owner, "hourly", new TaskTemplate(collection ?? "s" + Guid.NewGuid().ToString("N")[..12], Documents.Generate(3)),
            ScheduleTrigger.Interval(Hour), Overlap: OverlapPolicy.Skip, Paused: paused);

    [Fact]
    public async Task A_schedule_whose_list_entry_failed_is_listed_by_its_reminder()
    {
        var owner = NewOwner();
        var scheduleId = Guid.NewGuid();
        var list = fixture.Client.GetGrain<IUserListGrain>(IUserListGrain.Schedules(owner));
        fixture.Faults.FailWrites(list.GetGrainId());

        var created = await fixture.Client.GetGrain<IScheduleGrain>(scheduleId).Create(Request(owner, paused: true));
        Assert.DoesNotContain(scheduleId, (await list.List(null, 10)).Ids);
        await fixture.TickAsync(scheduleId);

        Assert.Equal(scheduleId, created.ScheduleId);
        Assert.Contains(scheduleId, (await list.List(null, 10)).Ids);

        // Listed and paused: nothing left for the reminder to do.
        await fixture.TickAsync(scheduleId);
        Assert.Null(await fixture.Reminders.ReadRow(ScheduleGrain(scheduleId), Schedules.ScheduleGrain.DueReminder));
    }

    [Fact]
    public async Task A_schedule_whose_reminder_failed_is_not_created_and_its_retry_arms_it()
    {
        var owner = NewOwner();
        var scheduleId = Guid.NewGuid();
        var grain = fixture.Client.GetGrain<IScheduleGrain>(scheduleId);
        fixture.Faults.FailReminders(ScheduleGrain(scheduleId));

        await Assert.ThrowsAsync<TimeoutException>(() => grain.Create(Request(owner)));
        Assert.Null(await grain.GetSnapshot());
        await grain.Create(Request(owner));

        Assert.NotNull(await fixture.Reminders.ReadRow(ScheduleGrain(scheduleId), Schedules.ScheduleGrain.DueReminder));
        Assert.Contains(scheduleId, (await fixture.Client.GetGrain<IUserListGrain>(IUserListGrain.Schedules(owner)).List(null, 10)).Ids);
    }

    [Fact]
    public async Task A_resume_whose_arming_failed_is_armed_by_its_retry()
    {
        var scheduleId = Guid.NewGuid();
        var grain = fixture.Client.GetGrain<IScheduleGrain>(scheduleId);
        await grain.Create(Request(NewOwner(), paused: true));
        Assert.Null(await fixture.Reminders.ReadRow(ScheduleGrain(scheduleId), Schedules.ScheduleGrain.DueReminder));
        fixture.Faults.FailReminders(ScheduleGrain(scheduleId));

        await Assert.ThrowsAsync<TimeoutException>(() => grain.SetPaused(false));
        var resumed = await grain.SetPaused(false);

        Assert.False(resumed!.Paused);
        Assert.NotNull(await fixture.Reminders.ReadRow(ScheduleGrain(scheduleId), Schedules.ScheduleGrain.DueReminder));
    }

    [Fact]
    public async Task A_resume_whose_arming_failed_is_never_left_unpaused_without_a_reminder()
    {
        var scheduleId = Guid.NewGuid();
        var grain = fixture.Client.GetGrain<IScheduleGrain>(scheduleId);
        await grain.Create(Request(NewOwner(), paused: true));
        fixture.Faults.FailReminders(ScheduleGrain(scheduleId));

        // The caller does not retry.
        await Assert.ThrowsAsync<TimeoutException>(() => grain.SetPaused(false));

        var reminder = await fixture.Reminders.ReadRow(ScheduleGrain(scheduleId), Schedules.ScheduleGrain.DueReminder);
        Assert.True((await grain.GetSnapshot())!.Paused || reminder is not null, "the schedule was resumed without a reminder: it would never fire");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public async Task A_run_now_that_failed_to_store_starts_one_task_however_often_it_is_retried(int failedWrite)
    {
        var owner = NewOwner();
        var scheduleId = Guid.NewGuid();
        var grain = fixture.Client.GetGrain<IScheduleGrain>(scheduleId);
        await grain.Create(Request(owner));
        var fault = fixture.Faults.FailWrites(ScheduleGrain(scheduleId), skip: failedWrite);

        // The caller retries with the same request id, as the gateway does for one Idempotency-Key.
        var requestId = Guid.NewGuid();
        ScheduleRun? run = null;
        for (var attempt = 0; attempt < 3 && run is null; attempt++)
        {
            try
            {
                run = await grain.RunNow(requestId);
            }
            catch (OrleansException)
            {
                // The caller saw an error and retries.
            }
        }

        Assert.NotNull(run);
        var tasks = await TasksOfAsync(owner);
        Assert.Equal([run.TaskId], tasks.Select(task => task.TaskId));
        var snapshot = (await grain.GetSnapshot())!;
        Assert.Equal(1, snapshot.Runs);
        Assert.Equal(run.TaskId, snapshot.LastRun!.TaskId);
        Assert.True(fault.Done);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public async Task An_occurrence_whose_run_failed_to_store_neither_runs_twice_nor_overlaps_the_next(int failedWrite)
    {
        var owner = NewOwner();
        var collection = "s" + Guid.NewGuid().ToString("N")[..12];
        var scheduleId = Guid.NewGuid();
        var grain = fixture.Client.GetGrain<IScheduleGrain>(scheduleId);
        await grain.Create(Request(owner, collection));

        // The occurrence's task keeps running: its index times out again and again.
        fixture.Faults.FailIndex(collection, times: 1000);
        var fault = fixture.Faults.FailWrites(ScheduleGrain(scheduleId), skip: failedWrite);
        var first = (await grain.GetSnapshot())!.NextRunAt!.Value;
        fixture.ScheduleClock.Advance(first - fixture.ScheduleClock.GetUtcNow());
        await Assert.ThrowsAsync<OrleansException>(() => fixture.TickAsync(scheduleId));
        fixture.ScheduleClock.Advance(Hour);
        await fixture.TickAsync(scheduleId);

        Assert.True(fault.Done);
        // The occurrence that failed to record is skipped as missed, or, recorded, blocks the next as overlapping.
        var tasks = await TasksOfAsync(owner);
        var snapshot = (await grain.GetSnapshot())!;
        var ran = failedWrite == 0 ? first + Hour : first;
        Assert.Equal([OccurrenceIds.For(scheduleId, ran)], tasks.Select(task => task.TaskId));
        Assert.Equal(1, snapshot.Runs);
        Assert.Equal(1, snapshot.Skipped);
        foreach (var task in tasks)
        {
            await fixture.Client.GetGrain<IIndexTaskGrain>(task.TaskId).Cancel(CancelledBy.User(owner));
        }
    }

    [Fact]
    public async Task A_recorded_occurrence_whose_task_failed_to_start_is_started_before_the_next_tick()
    {
        var owner = NewOwner();
        var scheduleId = Guid.NewGuid();
        var grain = fixture.Client.GetGrain<IScheduleGrain>(scheduleId);
        await grain.Create(Request(owner));
        var fault = fixture.Faults.FailWritesOfType("index-task", when: state => state is IndexTaskState { Accepted: true } task && task.ScheduleId == scheduleId);
        var first = (await grain.GetSnapshot())!.NextRunAt!.Value;
        fixture.ScheduleClock.Advance(first - fixture.ScheduleClock.GetUtcNow());

        await Assert.ThrowsAnyAsync<Exception>(() => fixture.TickAsync(scheduleId));
        Assert.True(fault.Done, "the task's acceptance was not reached");

        // No further tick: the next is a check period away (a minute by default).
        await Eventually.TrueAsync("the recorded run to start", async () => (await grain.GetSnapshot())!.Runs == 1, TimeSpan.FromSeconds(10));
        var tasks = await TasksOfAsync(owner);
        Assert.Equal([OccurrenceIds.For(scheduleId, first)], tasks.Select(task => task.TaskId));
        await fixture.Client.GetGrain<IIndexTaskGrain>(tasks[0].TaskId).Cancel(CancelledBy.User(owner));
    }

    [Fact]
    public async Task A_fired_occurrence_stored_without_its_acknowledgement_runs_once()
    {
        var owner = NewOwner();
        var scheduleId = Guid.NewGuid();
        var grain = fixture.Client.GetGrain<IScheduleGrain>(scheduleId);
        await grain.Create(Request(owner));
        var fault = fixture.Faults.FailWrites(ScheduleGrain(scheduleId), reachStorage: true);
        var first = (await grain.GetSnapshot())!.NextRunAt!.Value;
        fixture.ScheduleClock.Advance(first - fixture.ScheduleClock.GetUtcNow());

        await Assert.ThrowsAnyAsync<Exception>(() => fixture.TickAsync(scheduleId));
        Assert.True(fault.Done, "the occurrence's write was not reached");

        // The next activation finds the run stored and starts it, without a tick; a tick after that starts nothing more.
        await Eventually.TrueAsync("the stored run to start", async () => (await grain.GetSnapshot())!.Runs == 1, TimeSpan.FromSeconds(10));
        await fixture.TickAsync(scheduleId);
        var snapshot = (await grain.GetSnapshot())!;
        var stored = await fixture.StoredAsync<ScheduleState>("schedule", ScheduleGrain(scheduleId));
        Assert.Equal((1, 0, (DateTimeOffset?)(first + Hour)), (snapshot.Runs, snapshot.Skipped, snapshot.NextRunAt));
        Assert.Equal((1, 0, (DateTimeOffset?)(first + Hour)), (stored.Runs, stored.Skipped, stored.NextDueAt));
        Assert.Null(stored.Starting);
        var tasks = await TasksOfAsync(owner);
        Assert.Equal([OccurrenceIds.For(scheduleId, first)], tasks.Select(task => task.TaskId));
        Assert.Equal(tasks[0].TaskId, snapshot.LastRun!.TaskId);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_creation_whose_arming_failed_after_its_write_fires_its_occurrence(bool retried)
    {
        var owner = NewOwner();
        var scheduleId = Guid.NewGuid();
        var grain = fixture.Client.GetGrain<IScheduleGrain>(scheduleId);

        // Due within the check period, so the creation arms the reminder at the occurrence after its
        // write: that second registration fails.
        var request = Request(owner) with { Trigger = ScheduleTrigger.Once(fixture.ScheduleClock.GetUtcNow() + TimeSpan.FromMinutes(5)) };
        var fault = fixture.Faults.FailReminders(ScheduleGrain(scheduleId), skip: 1);
        await Assert.ThrowsAsync<TimeoutException>(() => grain.Create(request));
        Assert.True(fault.Done, "arming the reminder after the write did not fail");
        var due = (await grain.GetSnapshot())!.NextRunAt!.Value;
        if (retried)
        {
            Assert.Equal(due, (await grain.Create(request)).NextRunAt);
        }

        // Without a retry, the reminder armed before the write ticks within the check period.
        Assert.NotNull(await fixture.Reminders.ReadRow(ScheduleGrain(scheduleId), Schedules.ScheduleGrain.DueReminder));
        fixture.ScheduleClock.Advance(retried ? due - fixture.ScheduleClock.GetUtcNow() : TimeSpan.FromMinutes(10));
        await fixture.TickAsync(scheduleId);

        var snapshot = (await grain.GetSnapshot())!;
        Assert.Equal((1, 0), (snapshot.Runs, snapshot.Skipped));
        var tasks = await TasksOfAsync(owner);
        Assert.Equal([OccurrenceIds.For(scheduleId, due)], tasks.Select(task => task.TaskId));
        Assert.Contains(scheduleId, (await fixture.Client.GetGrain<IUserListGrain>(IUserListGrain.Schedules(owner)).List(null, 10)).Ids);
    }

    [Theory]
    [InlineData("queue", false)]
    [InlineData("queue", true)]
    [InlineData("drain", false)]
    [InlineData("drain", true)]
    public async Task A_queued_occurrence_whose_write_failed_runs_once_after_the_run_before_it(string failedWrite, bool reachStorage)
    {
        var owner = NewOwner();
        var collection = "s" + Guid.NewGuid().ToString("N")[..12];
        var scheduleId = Guid.NewGuid();
        var grain = fixture.Client.GetGrain<IScheduleGrain>(scheduleId);
        await grain.Create(Request(owner, collection) with { Overlap = OverlapPolicy.Queue });

        // The first occurrence's task keeps running (its index times out) while the second falls due.
        var slow = fixture.Faults.FailIndex(collection, times: int.MaxValue);
        var first = (await grain.GetSnapshot())!.NextRunAt!.Value;
        fixture.ScheduleClock.Advance(first - fixture.ScheduleClock.GetUtcNow());
        await fixture.TickAsync(scheduleId);
        Assert.Equal(1, (await grain.GetSnapshot())!.Runs);

        // The write that queues the second occurrence, or the one that takes it off the queue to run it, fails.
        var fault = failedWrite == "queue"
            ? fixture.Faults.FailWrites(ScheduleGrain(scheduleId), reachStorage: reachStorage, when: state => state is ScheduleState { Queue.Count: > 0 })
            : fixture.Faults.FailWrites(ScheduleGrain(scheduleId), reachStorage: reachStorage, when: state => state is ScheduleState { Queue.Count: 0, Starting: not null, Runs: 1 });
        fixture.ScheduleClock.Advance(Hour);
        if (failedWrite == "queue")
        {
            await Assert.ThrowsAnyAsync<Exception>(() => fixture.TickAsync(scheduleId));
            Assert.True(fault.Done, "the queueing write was not reached");

            // The reminder ticks again a check period later.
            fixture.ScheduleClock.Advance(TimeSpan.FromMinutes(10));
            await fixture.TickAsync(scheduleId);
        }
        else
        {
            await fixture.TickAsync(scheduleId);
        }

        Assert.Equal((1, 1), await RunsAndQueuedAsync(grain));
        slow.Stop();
        await Eventually.TrueAsync("the queued occurrence to run after the first", async () =>
            await RunsAndQueuedAsync(grain) == (2, 0), TimeSpan.FromSeconds(60));

        Assert.True(fault.Done, "the write meant to fail was not reached");
        var snapshot = (await grain.GetSnapshot())!;
        Assert.Equal(0, snapshot.Skipped);
        Assert.Equal([OccurrenceIds.For(scheduleId, first + Hour), OccurrenceIds.For(scheduleId, first)], snapshot.RecentRuns.Select(run => run.TaskId));
        var tasks = await TasksOfAsync(owner);
        Assert.Equal(
            new[] { OccurrenceIds.For(scheduleId, first), OccurrenceIds.For(scheduleId, first + Hour) }.Order(),
            tasks.Select(task => task.TaskId).Order());
        var stored = await fixture.StoredAsync<ScheduleState>("schedule", ScheduleGrain(scheduleId));
        Assert.Equal((2, 0, 0), (stored.Runs, stored.Skipped, stored.Queue.Count));
        await grain.SetPaused(true);
    }

    private static async Task<(int Runs, int Queued)> RunsAndQueuedAsync(IScheduleGrain grain)
    {
        var snapshot = (await grain.GetSnapshot())!;
        return (snapshot.Runs, snapshot.Queued);
    }

    private async Task<List<TaskSummary>> TasksOfAsync(string owner) =>
        [.. (await fixture.History.ListAsync(new HistoryQuery(owner, Limit: HistoryQuery.MaxLimit), CancellationToken.None)).Items];
}
