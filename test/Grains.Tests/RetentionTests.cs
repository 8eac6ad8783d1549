namespace OrleansTasks.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class RetentionTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Ended_tasks_past_the_cutoff_are_purged_with_their_results_and_history_while_running_tasks_are_kept()
    {
        var owner = "retention-" + Guid.NewGuid().ToString("N")[..8];
        var endedId = Guid.NewGuid();
        await using (var watcher = await TaskWatcher.StartAsync(fixture.Client, endedId))
        {
            await fixture.Grains.GetGrain<IIndexTaskGrain>(endedId).Start(new StartIndexTask(owner, "retention", Documents.Generate(30)));
            await watcher.WaitForTerminalAsync(TimeSpan.FromMinutes(1));
        }

        var running = fixture.Grains.GetGrain<IIndexTaskGrain>(Guid.NewGuid());
        await running.Start(new StartIndexTask(owner, "retention", Documents.Generate(10_000, wordsPerDocument: 300)));
        var ended = fixture.Grains.GetGrain<IIndexTaskGrain>(endedId);
        var finishedAt = (await ended.GetSnapshot())!.FinishedAt!.Value;

        await fixture.Grains.GetGrain<IRetentionGrain>(0).PurgeEndedBefore(finishedAt.AddSeconds(-1));
        var stillThere = await ended.GetSnapshot();
        var purged = await fixture.Grains.GetGrain<IRetentionGrain>(0).PurgeEndedBefore(finishedAt.AddTicks(1));
        var history = await fixture.Grains.GetGrain<ITaskHistoryGrain>(0).List(new HistoryQuery(owner));
        var runningAfter = await running.GetSnapshot();
        await running.Cancel("user:" + owner);

        Assert.NotNull(stillThere);
        Assert.True(purged >= 1);
        Assert.Null(await ended.GetSnapshot());
        Assert.Empty((await ended.GetResults(0, 100)).Items);
        Assert.DoesNotContain(history.Items, t => t.TaskId == endedId);
        Assert.Contains(history.Items, t => t.TaskId == runningAfter!.TaskId);
        Assert.False(runningAfter!.IsTerminal);
    }
}
