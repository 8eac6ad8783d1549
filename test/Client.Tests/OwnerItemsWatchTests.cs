using Microsoft.Extensions.DependencyInjection;
using Orleans.Streams;
using OrleansTasks.Testing;

namespace OrleansTasks.Client.Tests;

/// <summary>
/// <see cref="ITaskWatcher.WatchOwnerItemsAsync"/> against a real in-memory silo: an owner's batches and
/// schedules on the same feed as their tasks, each item in rising <c>seq</c>, a lost end read back, and
/// after a stream error the owner's newest items read back.
/// </summary>
[Collection(MemoryClusterCollection.Name)]
public sealed class OwnerItemsWatchTests(MemoryCluster cluster)
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(30);

    private static CreateSchedule Schedule(string owner) =>
        new(owner, "hourly", new TaskTemplate("scheduled", OwnerWatches.Documents(3)), ScheduleTrigger.Interval(TimeSpan.FromHours(1)));

    [Fact]
    public async Task A_schedules_pause_resume_run_and_deletion_and_a_batch_to_its_end_reach_the_owners_watchers_in_seq_order()
    {
        using var service = await cluster.StartServiceAsync();
        var client = service.Services.GetRequiredService<IClusterClient>();
        var watcher = service.Services.GetRequiredService<ITaskWatcher>();
        var owner = "service:" + Guid.NewGuid().ToString("N")[..8];
        using var stop = new CancellationTokenSource();
        var own = OwnerWatches.Collect(watcher.WatchOwnerItemsAsync(owner, stop.Token));
        var tasksOnly = OwnerWatches.Collect(watcher.WatchOwnerAsync(owner, stop.Token));
        await Eventually.TrueAsync(() => OwnerWatches.FeedsOf(service) == 1, WaitLimit, "the owner feed to be subscribed");

        var scheduleId = Guid.NewGuid();
        var schedule = client.GetGrain<IScheduleGrain>(scheduleId);
        await schedule.Create(Schedule(owner));
        await schedule.SetPaused(true);
        // A watcher behind by two changes of an item gets only the newer: the pause is awaited before the resume.
        await Eventually.TrueAsync(() => own.Seen.Any(item => item is ScheduleSnapshot { Paused: true }), WaitLimit, "the pause");
        await schedule.SetPaused(false);
        var run = await schedule.RunNow();
        var batchId = Guid.NewGuid();
        await client.GetGrain<IBatchGrain>(batchId).Create(new CreateBatch(owner, [new BatchTaskSpec("a", "batched", OwnerWatches.Documents(200))]));
        await Eventually.TrueAsync(() => own.Seen.Any(item => item.ItemId == run!.TaskId && item.IsTerminal), WaitLimit, "the schedule's run to end");
        Assert.True(await schedule.Delete());

        // The batch's task ends on the tasks' stream, the batch on the lists' stream: either may arrive first.
        await Eventually.TrueAsync(
            () => own.Seen.Any(item => item.ItemId == scheduleId && item.IsTerminal) && own.Seen.Any(item => item.ItemId == batchId && item.IsTerminal)
                && own.Seen.OfType<TaskSummary>().Any(task => task.BatchId == batchId && task.IsTerminal),
            WaitLimit, "the schedule's deletion, the batch's end and its task's end");
        await stop.CancelAsync();

        var schedules = own.Seen.OfType<ScheduleSnapshot>().Where(item => item.ScheduleId == scheduleId).ToList();
        AssertSeqRises(schedules);
        Assert.Contains(schedules, item => item.Paused);
        Assert.False(schedules[^2].Paused);
        Assert.Contains(schedules, item => item.LastRun?.TaskId == run!.TaskId);
        Assert.True(schedules[^1].Deleted);
        Assert.Single(schedules, item => item.Deleted);

        var batches = own.Seen.OfType<BatchSnapshot>().Where(item => item.BatchId == batchId).ToList();
        AssertSeqRises(batches);
        Assert.All(batches, batch => Assert.Empty(batch.Tasks));
        Assert.Equal((IndexTaskStatus.Completed, 200), (batches[^1].Status, batches[^1].Rollup.Current));

        // A watcher of tasks only is given tasks only.
        Assert.Contains(tasksOnly.Seen, task => task.TaskId == run!.TaskId);
    }

    [Fact]
    public async Task A_deletion_the_lists_stream_never_carried_is_read_back_as_deleted_once_the_schedules_next_run_is_overdue()
    {
        using var service = await cluster.StartServiceAsync(options => options.StreamSilenceTimeout = TimeSpan.FromMilliseconds(500));
        var client = service.Services.GetRequiredService<IClusterClient>();
        var watcher = service.Services.GetRequiredService<ITaskWatcher>();
        var owner = "service:" + Guid.NewGuid().ToString("N")[..8];
        var scheduleId = Guid.NewGuid();
        var before = await client.GetGrain<IScheduleGrain>(scheduleId).Create(Schedule(owner));
        Assert.True(await client.GetGrain<IScheduleGrain>(scheduleId).Delete());

        using var stop = new CancellationTokenSource();
        var own = OwnerWatches.Collect(watcher.WatchOwnerItemsAsync(owner, stop.Token));
        await Eventually.TrueAsync(() => OwnerWatches.FeedsOf(service) == 1, WaitLimit, "the owner feed to be subscribed");

        // The feed hears of the schedule as it was when its next run was due now, and then nothing
        // more: as if its deletion was lost. A schedule is read back only once its next run is overdue.
        var due = before with { NextRunAt = DateTimeOffset.UtcNow };
        await client.GetStreamProvider(TaskStreams.ProviderName).GetStream<IOwnerFeedItem>(TaskStreams.ForOwnerLists(owner)).OnNextAsync(due);

        await Eventually.TrueAsync(() => own.Seen.Any(item => item.ItemId == scheduleId && item.IsTerminal), WaitLimit,
            "the schedule's deletion to be read back (once its next run is overdue by the silence timeout)");
        await stop.CancelAsync();
        // A watcher still behind when the deletion is read back gets only the newer change (coalesced).
        var seen = own.Seen.OfType<ScheduleSnapshot>().ToList();
        Assert.Equal(before.Seq + 1, seen[^1].Seq);
        Assert.True(seen[^1].Deleted);
        Assert.Single(seen, item => item.Deleted);
        Assert.Subset(new HashSet<long> { before.Seq, before.Seq + 1 }, seen.Select(item => item.Seq).ToHashSet());
        Assert.Equal(seen.Count, seen.Select(item => item.Seq).Distinct().Count());
    }

    [Fact]
    public async Task A_batch_and_its_task_whose_changes_were_all_lost_and_a_paused_schedules_lost_deletion_are_read_back_after_a_stream_error()
    {
        // Every event stays lost to the end: items the feed never heard of are never read back for
        // their silence, nor is a paused schedule (it has no run to wait for; the silence timeout is
        // the default 10 s anyway), so only the reads after the error can find them.
        using var service = await cluster.StartServiceAsync(services: ErrorReportingStreams.Install);
        var client = service.Services.GetRequiredService<IClusterClient>();
        var streams = service.Services.GetRequiredService<ErrorReportingStreams>();
        var owner = "service:" + Guid.NewGuid().ToString("N")[..8];
        using var stop = new CancellationTokenSource();
        var own = OwnerWatches.Collect(service.Services.GetRequiredService<ITaskWatcher>().WatchOwnerItemsAsync(owner, stop.Token));
        await Eventually.TrueAsync(() => OwnerWatches.FeedsOf(service) == 1, WaitLimit, "the owner feed to be subscribed");
        var scheduleId = Guid.NewGuid();
        var schedule = await client.GetGrain<IScheduleGrain>(scheduleId).Create(Schedule(owner) with { Paused = true });
        await Eventually.TrueAsync(() => own.Seen.Any(item => item.ItemId == scheduleId), WaitLimit, "the paused schedule's creation");

        streams.Losing = true;
        Assert.True(await client.GetGrain<IScheduleGrain>(scheduleId).Delete());
        var batchId = Guid.NewGuid();
        var batch = client.GetGrain<IBatchGrain>(batchId);
        await batch.Create(new CreateBatch(owner, [new BatchTaskSpec("a", "lost", OwnerWatches.Documents(20))]));
        await Eventually.TrueAsync(async () => (await batch.GetSnapshot())?.IsTerminal == true, WaitLimit, "the batch to end unheard");
        var ended = (await batch.GetSnapshot())!;
        Assert.Equal([scheduleId], own.Seen.Select(item => item.ItemId));

        await streams.ReportErrorAsync(new StreamEventDeliveryFailureException("events lost"));

        await Eventually.TrueAsync(() => own.Seen.Any(item => item.ItemId == batchId && item.IsTerminal), WaitLimit, "the batch's end read back");
        await Eventually.TrueAsync(() => own.Seen.Any(item => item.ItemId == ended.Tasks[0].TaskId && item.IsTerminal), WaitLimit, "its task's end read back from history");
        await Eventually.TrueAsync(() => own.Seen.Any(item => item.ItemId == scheduleId && item.IsTerminal), WaitLimit, "the schedule's deletion read back");
        await stop.CancelAsync();
        var readBack = Assert.Single(own.Seen.OfType<BatchSnapshot>());
        Assert.Equal((ended.Seq, IndexTaskStatus.Completed), (readBack.Seq, readBack.Status));
        var schedules = own.Seen.OfType<ScheduleSnapshot>().ToList();
        Assert.Equal([schedule.Seq, schedule.Seq + 1], schedules.Select(item => item.Seq));
        Assert.True(schedules[^1].Deleted);
    }

    private static void AssertSeqRises(IReadOnlyList<IOwnerFeedItem> changes)
    {
        Assert.NotEmpty(changes);
        Assert.True(changes.Zip(changes.Skip(1)).All(pair => pair.First.Seq < pair.Second.Seq), $"seq rises strictly: {string.Join(", ", changes.Select(c => c.Seq))}");
    }
}
