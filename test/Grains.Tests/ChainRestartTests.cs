using Microsoft.Extensions.DependencyInjection;
using OrleansTasks.Testing;
using OrleansTasks.Testing.Faults;

namespace OrleansTasks.Grains.Tests;

/// <summary>Batches and dependency chains across a restart of every silo, on PostgreSQL.</summary>
public sealed class ChainRestartTests(PostgresServer postgres)
{
    private static readonly Dictionary<string, string?> FastLease = new() { ["Tasks:LeasePeriod"] = "00:00:02" };

    /// <summary>Each of the first task's documents before the restart: its 8,000 then take at least 40 s.</summary>
    private static readonly TimeSpan Pace = TimeSpan.FromMilliseconds(5);

    [Fact]
    public async Task A_chain_in_a_batch_finishes_by_itself_after_every_silo_restarts_midway()
    {
        var database = await postgres.CreateDatabaseAsync();
        var cluster = "c" + Guid.NewGuid().ToString("N")[..10];
        var batchId = Guid.NewGuid();
        BatchSnapshot created;
        IndexTaskSnapshot firstBeforeRestart;
        await using (var silo = await PostgresSilo.StartAsync(database, cluster, FastLease, s => s.Services.AddFaultInjection()))
        {
            // Paced, so that the first task surely still runs when the silo stops: unpaced, at 10,000 documents a
            // second, its 8,000 take under a second. The silo after the restart has no pace.
            silo.Services.GetRequiredService<FaultPlan>().PaceIndex("chain1", Pace);
            created = await silo.Client.GetGrain<IBatchGrain>(batchId).Create(new CreateBatch("alice",
            [
                new BatchTaskSpec("first", "chain1", Documents.Generate(8000, wordsPerDocument: 60)),
                new BatchTaskSpec("second", "chain2", Documents.Generate(300), After: ["first"]),
                new BatchTaskSpec("third", "chain3", Documents.Generate(300), After: ["second"]),
            ]));
            var first = silo.Client.GetGrain<IIndexTaskGrain>(created.Tasks[0].TaskId);
            await Eventually.TrueAsync(async () => (await first.GetSnapshot())!.Current > 200);
            firstBeforeRestart = (await first.GetSnapshot())!;
        }

        // Nobody calls anything after the restart: the tasks' leases resume the chain, and the
        // tasks' notifications bring the batch back.
        var restartedAt = DateTimeOffset.UtcNow;
        await using var restarted = await PostgresSilo.StartAsync(database, cluster, FastLease);
        await using var watcher = await BatchWatcher.StartAsync(restarted.Client, batchId);
        var end = await watcher.WaitForTerminalAsync(TimeSpan.FromMinutes(3));
        var tasks = new List<IndexTaskSnapshot>();
        foreach (var task in created.Tasks)
        {
            tasks.Add((await restarted.Client.GetGrain<IIndexTaskGrain>(task.TaskId).GetSnapshot())!);
        }

        Assert.Equal(IndexTaskStatus.Completed, end.Status);
        Assert.Equal(IndexTaskStatus.Processing, firstBeforeRestart.Status);
        Assert.True(tasks[0].FinishedAt > restartedAt,
            $"the first task finished at {tasks[0].FinishedAt:O}, before the silos restarted at {restartedAt:O}: the restart came after it and tested nothing");
        Assert.All(tasks, t => Assert.Equal(IndexTaskStatus.Completed, t.Status));
        Assert.True(tasks[1].StartedAt >= tasks[0].FinishedAt && tasks[2].StartedAt >= tasks[1].FinishedAt);
        Assert.Equal(8600, end.Rollup.Total);
        Assert.Equal(new TaskCounts(8600, 0, 0), end.Rollup.Documents);
        Assert.True(end.Seq > created.Seq);
    }
}
