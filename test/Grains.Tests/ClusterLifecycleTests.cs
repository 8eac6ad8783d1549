using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OrleansTasks.Indexing;
using OrleansTasks.Tasks;
using OrleansTasks.Testing;
using OrleansTasks.Testing.Faults;

namespace OrleansTasks.Grains.Tests;

/// <summary>Whole-cluster behaviour on PostgreSQL: restarts, reminders, admission control.</summary>
public sealed class ClusterLifecycleTests(PostgresServer postgres)
{
    private static readonly Dictionary<string, string?> FastLease = new()
    {
        ["Tasks:LeasePeriod"] = "00:00:02",
        ["Tasks:MaxRunningPerSilo"] = "2",
    };

    /// <summary>
    /// Each document of a task that must still run at a test's step: unpaced, at 10,000 documents a second, 8,000
    /// take under a second; paced, at least 40 s.
    /// </summary>
    private static readonly TimeSpan Pace = TimeSpan.FromMilliseconds(5);

    /// <summary>The snapshot with its array-valued members left out, as records compare arrays by reference.</summary>
    private static IndexTaskSnapshot Comparable(IndexTaskSnapshot snapshot) =>
        snapshot with { Result = null, DependsOn = [], AwaitedDependencies = [] };

    private static string NewCluster() => "c" + Guid.NewGuid().ToString("N")[..10];

    [Fact]
    public async Task A_finished_task_reads_back_identically_after_every_silo_restarts()
    {
        var database = await postgres.CreateDatabaseAsync();
        var cluster = NewCluster();
        var taskId = Guid.NewGuid();
        IndexTaskSnapshot before;
        List<DocumentResult> resultsBefore;
        await using (var first = await PostgresSilo.StartAsync(database, cluster))
        await using (var second = await PostgresSilo.StartAsync(database, cluster))
        {
            await using var watcher = await TaskWatcher.StartAsync(first.Client, taskId);
            var documents = Documents.Generate(1500).SetItem(3, new IndexDocument("empty.md", null, ""));
            await first.Client.GetGrain<IIndexTaskGrain>(taskId).Start(new StartIndexTask("alice", "restart", documents));
            before = await watcher.WaitForTerminalAsync(TimeSpan.FromMinutes(2));
            resultsBefore = await AllResultsAsync(second.Client, taskId);
        }

        await using var revived = await PostgresSilo.StartAsync(database, cluster);
        var after = await revived.Client.GetGrain<IIndexTaskGrain>(taskId).GetSnapshot();
        var resultsAfter = await AllResultsAsync(revived.Client, taskId);

        Assert.Equal(IndexTaskStatus.Completed, before.Status);
        Assert.NotNull(after);
        Assert.Equal(Comparable(before), Comparable(after));
        Assert.Equal(before.DependsOn, after.DependsOn);
        Assert.Equal(before.Result!.Details, after.Result!.Details);
        Assert.Equal(resultsBefore, resultsAfter);
        Assert.Equal(1500, resultsAfter.Count);
    }

    [Fact]
    public async Task A_running_task_resumes_by_its_lease_after_a_full_restart_and_writes_each_document_once()
    {
        var database = await postgres.CreateDatabaseAsync();
        var cluster = NewCluster();
        var taskId = Guid.NewGuid();
        var collection = "lease";
        await using (var silo = await PostgresSilo.StartAsync(database, cluster, FastLease, s => s.Services.AddFaultInjection()))
        {
            // Paced until the restart, which has no pace: the task surely still runs when its silo stops.
            silo.Services.GetRequiredService<FaultPlan>().PaceIndex(collection, Pace);
            var grain = silo.Client.GetGrain<IIndexTaskGrain>(taskId);
            await grain.Start(new StartIndexTask("alice", collection, Documents.Generate(8000, wordsPerDocument: 60)));
            await Eventually.TrueAsync(async () => (await grain.GetSnapshot())!.Current > 200);
        }

        Assert.Equal(1L, await ScalarAsync(database, $"SELECT count(*) FROM orleans_reminders WHERE reminder_name = '{OrleansTasks.Leases.GrainLease.ReminderName}'"));

        // Nobody calls the task after the restart: only its reminder can bring it back.
        var restartedAt = DateTimeOffset.UtcNow;
        await using var restarted = await PostgresSilo.StartAsync(database, cluster, FastLease);
        await using var watcher = await TaskWatcher.StartAsync(restarted.Client, taskId);
        var terminal = await watcher.WaitForTerminalAsync(TimeSpan.FromMinutes(2));
        var index = restarted.Services.GetRequiredService<IDocumentIndex>();

        Assert.Equal(IndexTaskStatus.Completed, terminal.Status);
        Assert.True(terminal.FinishedAt > restartedAt,
            $"the task finished at {terminal.FinishedAt:O}, before the restart at {restartedAt:O}: the restart tested nothing");
        Assert.Equal(new TaskCounts(8000, 0, 0), terminal.Counts);
        Assert.Equal(8000, await index.CountWritesAsync(collection, CancellationToken.None));
        await Eventually.TrueAsync(async () =>
            await ScalarAsync(database, $"SELECT count(*) FROM orleans_reminders WHERE reminder_name = '{OrleansTasks.Leases.GrainLease.ReminderName}'") == 0);
    }

    [Fact]
    public async Task Three_times_the_cap_submitted_at_once_all_finish_and_never_more_than_the_cap_index_together()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var silo = await PostgresSilo.StartAsync(database, NewCluster(), FastLease);
        var admission = silo.Services.GetRequiredService<TaskAdmission>();
        var taskIds = Enumerable.Range(0, 3 * admission.Capacity).Select(_ => Guid.NewGuid()).ToList();
        var watchers = await Task.WhenAll(taskIds.Select(id => TaskWatcher.StartAsync(silo.Client, id)));
        try
        {
            await Task.WhenAll(taskIds.Select((id, i) => silo.Client.GetGrain<IIndexTaskGrain>(id)
                .Start(new StartIndexTask("alice", $"admission{i}", Documents.Generate(1500, wordsPerDocument: 60)))));
            var queued = await Task.WhenAll(taskIds.Select(id => silo.Client.GetGrain<IIndexTaskGrain>(id).GetSnapshot()));
            var allEnded = Task.WhenAll(watchers.Select(w => w.WaitForTerminalAsync(TimeSpan.FromMinutes(3))));
            var peakRunning = 0;
            while (!allEnded.IsCompleted)
            {
                peakRunning = Math.Max(peakRunning, admission.Running);
                await Task.WhenAny(allEnded, Task.Delay(2));
            }

            var ends = await allEnded;

            Assert.All(ends, end => Assert.Equal(IndexTaskStatus.Completed, end.Status));
            Assert.Equal(admission.Capacity, peakRunning);
            Assert.Contains(queued, snapshot => snapshot!.QueuePosition is >= 1);
            await Eventually.TrueAsync("every slot given back", () => Task.FromResult(admission.Running == 0), TimeSpan.FromSeconds(30));
        }
        finally
        {
            foreach (var watcher in watchers)
            {
                await watcher.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_stale_activation_stops_at_its_next_write_and_the_task_still_ends_exactly_once()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var silo = await PostgresSilo.StartAsync(database, NewCluster(), FastLease, s => s.Services.AddFaultInjection());
        var faults = silo.Services.GetRequiredService<FaultPlan>();
        faults.PaceIndex("stale", Pace);
        var taskId = Guid.NewGuid();
        await using var watcher = await TaskWatcher.StartAsync(silo.Client, taskId);
        var grain = silo.Client.GetGrain<IIndexTaskGrain>(taskId);
        await grain.Start(new StartIndexTask("alice", "stale", Documents.Generate(8000, wordsPerDocument: 60)));
        await Eventually.TrueAsync(async () => (await grain.GetSnapshot())!.Current > 200);

        // Another writer (a duplicate activation) moves the stored version on under the running one, which the pace
        // keeps running until then.
        var bumpedTo = await ScalarAsync(database,
            "UPDATE orleans_grain_state SET version = version + 1 WHERE grain_type = 'task' RETURNING version::bigint");
        var bumpedAt = DateTimeOffset.UtcNow;
        faults.LiftPaces();
        var terminal = await watcher.WaitForTerminalAsync(TimeSpan.FromMinutes(2));
        await Eventually.TrueAsync(async () =>
            await ScalarAsync(database, $"SELECT count(*) FROM orleans_reminders WHERE reminder_name = '{OrleansTasks.Leases.GrainLease.ReminderName}'") == 0);
        watcher.DrainArrived();
        var finalVersion = await ScalarAsync(database, "SELECT version::bigint FROM orleans_grain_state WHERE grain_type = 'task'");

        Assert.Equal(IndexTaskStatus.Completed, terminal.Status);
        Assert.True(terminal.FinishedAt > bumpedAt,
            $"the task finished at {terminal.FinishedAt:O}, before its stored version moved on at {bumpedAt:O}: nothing was stale");
        Assert.Equal(new TaskCounts(8000, 0, 0), terminal.Counts);
        Assert.Single(watcher.Received, e => e.IsTerminal);
        Assert.True(finalVersion > bumpedTo, $"the newer row (version {bumpedTo}) was kept and written on from ({finalVersion})");
        var seqs = watcher.Received.Select(e => e.Seq).ToList();
        Assert.Equal(seqs.Order(), seqs);
    }

    [Fact]
    public async Task A_queued_task_is_cancelled_at_once_without_indexing_anything()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var silo = await PostgresSilo.StartAsync(database, NewCluster(), FastLease);
        var admission = silo.Services.GetRequiredService<TaskAdmission>();
        var running = Enumerable.Range(0, admission.Capacity).Select(_ => Guid.NewGuid()).ToList();
        foreach (var taskId in running)
        {
            await silo.Client.GetGrain<IIndexTaskGrain>(taskId).Start(new StartIndexTask("alice", "busy", Documents.Generate(6000, wordsPerDocument: 60)));
        }

        var queuedId = Guid.NewGuid();
        var queued = silo.Client.GetGrain<IIndexTaskGrain>(queuedId);
        await queued.Start(new StartIndexTask("alice", "queued", Documents.Generate(50)));
        var waiting = await queued.GetSnapshot();
        var outcome = await queued.Cancel("user:alice");
        var cancelled = await queued.GetSnapshot();
        foreach (var taskId in running)
        {
            await silo.Client.GetGrain<IIndexTaskGrain>(taskId).Cancel("user:alice");
        }

        Assert.Equal(IndexTaskStatus.Pending, waiting!.Status);
        Assert.Equal(1, waiting.QueuePosition);
        Assert.Equal(CancelOutcome.Cancelled, outcome);
        Assert.Equal(IndexTaskStatus.Cancelled, cancelled!.Status);
        Assert.Equal(0, cancelled.Current);
        Assert.Null(await admission.QueuePositionAsync(queuedId));
    }

    private static async Task<List<DocumentResult>> AllResultsAsync(IClusterClient client, Guid taskId)
    {
        var results = new List<DocumentResult>();
        int? offset = 0;
        while (offset is int next)
        {
            var page = await client.GetGrain<IIndexTaskGrain>(taskId).GetResults(next, 1000);
            results.AddRange(page.Items);
            offset = page.NextOffset;
        }

        return results;
    }

    private static async Task<long> ScalarAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
