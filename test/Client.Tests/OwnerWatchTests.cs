using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using OrleansTasks.Testing;

namespace OrleansTasks.Client.Tests;

/// <summary><see cref="ITaskWatcher.WatchOwnerAsync"/> and <see cref="ITaskWatcher.WatchEveryoneAsync"/> against a real in-memory silo.</summary>
[Collection(MemoryClusterCollection.Name)]
public sealed class OwnerWatchTests(MemoryCluster cluster)
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_service_follows_its_own_tasks_to_their_ends_and_everyone_sees_all_owners()
    {
        using var service = await cluster.StartServiceAsync();
        var client = service.Services.GetRequiredService<IClusterClient>();
        var watcher = service.Services.GetRequiredService<ITaskWatcher>();
        var owner = "service:" + Guid.NewGuid().ToString("N")[..8];
        using var stop = new CancellationTokenSource();
        var own = OwnerWatches.Collect(watcher.WatchOwnerAsync(owner, stop.Token));
        var everyone = OwnerWatches.Collect(watcher.WatchEveryoneAsync(stop.Token));
        await Eventually.TrueAsync(() => OwnerWatches.FeedsOf(service) == 2, WaitLimit, "both owner feeds to be subscribed");

        var mine = new[] { Guid.NewGuid(), Guid.NewGuid() };
        foreach (var taskId in mine)
        {
            await client.GetGrain<IIndexTaskGrain>(taskId).Start(new StartIndexTask(owner, "owned", OwnerWatches.Documents(300)));
        }

        var other = Guid.NewGuid();
        await client.GetGrain<IIndexTaskGrain>(other).Start(new StartIndexTask("service:someone-else", "owned", OwnerWatches.Documents(5)));
        await Eventually.TrueAsync(() => mine.All(id => Ended(own.Seen, id)) && Ended(everyone.Seen, other) && mine.All(id => Ended(everyone.Seen, id)),
            WaitLimit, "both feeds to show the ends of the three tasks they follow");
        await stop.CancelAsync();

        Assert.DoesNotContain(own.Seen, change => change.TaskId == other);
        foreach (var taskId in mine)
        {
            var changes = own.Seen.Where(change => change.TaskId == taskId).ToList();
            // A watcher that has not yet taken a change gets the task's newer one in its place, so a
            // task that ends within moments may first be seen ended.
            Assert.NotEmpty(changes);
            Assert.True(changes.Zip(changes.Skip(1)).All(pair => pair.First.Seq < pair.Second.Seq), "seq rises strictly");
            Assert.Single(changes, change => change.IsTerminal);
            Assert.Equal((IndexTaskStatus.Completed, 300), (changes[^1].Status, changes[^1].Current));
        }

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => own.Ended);
        await Eventually.TrueAsync(() => OwnerWatches.FeedsOf(service) == 0, WaitLimit, "the cancelled watches to give their subscriptions back");
    }

    [Fact]
    public async Task An_end_the_owner_stream_never_carried_is_read_back_from_the_grain()
    {
        using var service = await cluster.StartServiceAsync(options => options.StreamSilenceTimeout = TimeSpan.FromSeconds(1));
        var client = service.Services.GetRequiredService<IClusterClient>();
        var watcher = service.Services.GetRequiredService<ITaskWatcher>();
        var owner = "service:" + Guid.NewGuid().ToString("N")[..8];
        var taskId = Guid.NewGuid();
        await client.GetGrain<IIndexTaskGrain>(taskId).Start(new StartIndexTask(owner, "owned", OwnerWatches.Documents(5)));
        await Eventually.TrueAsync(async () => (await client.GetGrain<IIndexTaskGrain>(taskId).GetSnapshot())!.IsTerminal, WaitLimit, "the task to end");

        using var stop = new CancellationTokenSource();
        var own = OwnerWatches.Collect(watcher.WatchOwnerAsync(owner, stop.Token));
        await Eventually.TrueAsync(() => OwnerWatches.FeedsOf(service) == 1, WaitLimit, "the owner feed to be subscribed");

        // The feed hears of the task as still running, and then nothing more: as if its end was lost.
        var running = TaskSummary.From(ScriptedTasks.At(taskId, 2, 10) with { OwnerId = owner });
        await client.GetStreamProvider(TaskStreams.ProviderName).GetStream<TaskSummary>(TaskStreams.ForOwner(owner)).OnNextAsync(running);

        await Eventually.TrueAsync(() => Ended(own.Seen, taskId), WaitLimit, "the task's end to be read back from its grain");
        await stop.CancelAsync();
        Assert.Equal(IndexTaskStatus.Completed, own.Seen.Last().Status);
        Assert.Single(own.Seen, change => change.IsTerminal);
    }

    [Fact]
    public async Task An_end_published_again_and_a_stale_change_after_it_are_not_delivered()
    {
        using var service = await cluster.StartServiceAsync();
        var client = service.Services.GetRequiredService<IClusterClient>();
        var watcher = service.Services.GetRequiredService<ITaskWatcher>();
        var owner = "service:" + Guid.NewGuid().ToString("N")[..8];
        using var stop = new CancellationTokenSource();
        var own = OwnerWatches.Collect(watcher.WatchOwnerAsync(owner, stop.Token));
        await Eventually.TrueAsync(() => OwnerWatches.FeedsOf(service) == 1, WaitLimit, "the owner feed to be subscribed");
        var stream = client.GetStreamProvider(TaskStreams.ProviderName).GetStream<TaskSummary>(TaskStreams.ForOwner(owner));
        TaskSummary Change(Guid taskId, long seq, int progress, IndexTaskStatus status) =>
            TaskSummary.From(ScriptedTasks.At(taskId, seq, progress, status) with { OwnerId = owner });

        var (task, sentinel) = (Guid.NewGuid(), Guid.NewGuid());
        await stream.OnNextAsync(Change(task, 2, 10, IndexTaskStatus.Processing));
        await stream.OnNextAsync(Change(task, 5, 100, IndexTaskStatus.Completed));
        await stream.OnNextAsync(Change(task, 5, 100, IndexTaskStatus.Completed));
        await stream.OnNextAsync(Change(task, 3, 20, IndexTaskStatus.Processing));
        await stream.OnNextAsync(Change(sentinel, 1, 100, IndexTaskStatus.Completed));
        await Eventually.TrueAsync(() => Ended(own.Seen, sentinel), WaitLimit, "the sentinel task's end");
        await stop.CancelAsync();

        var changes = own.Seen.Where(change => change.TaskId == task).ToList();
        Assert.Single(changes, change => change.IsTerminal);
        Assert.Equal(5, changes[^1].Seq);
        Assert.True(changes.Zip(changes.Skip(1)).All(pair => pair.First.Seq < pair.Second.Seq), "seq rises strictly");
    }

    private static bool Ended(ConcurrentQueue<TaskSummary> seen, Guid taskId) => seen.Any(change => change.TaskId == taskId && change.IsTerminal);
}
