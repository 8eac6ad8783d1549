using Microsoft.Extensions.DependencyInjection;
using OrleansTasks.Tasks;
using OrleansTasks.Testing;
using OrleansTasks.Testing.Faults;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// <c>Tasks:MaxRunningPerUser</c> with tasks in a retry wait, on a silo and PostgreSQL: an owner whose tasks all
/// wait to retry at the limit starts nothing new until one ends, and the silo slots those tasks gave back serve
/// other owners meanwhile.
/// </summary>
public sealed class AdmissionRestClusterTests(PostgresServer postgres)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(2);

    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Tasks:LeasePeriod"] = "00:00:02",
        ["Tasks:MaxRunningPerSilo"] = "2",
        ["Tasks:MaxRunningPerUser"] = "2",
    };

    private static async Task<IndexTaskSnapshot> SnapshotAsync(IGrainFactory grains, Guid taskId) =>
        (await grains.GetGrain<IIndexTaskGrain>(taskId).GetSnapshot())!;

    private static async Task<Guid> StartAsync(IGrainFactory grains, string owner, string collection, TaskRetryPolicy? retry = null)
    {
        var taskId = Guid.NewGuid();
        await grains.GetGrain<IIndexTaskGrain>(taskId).Start(new StartIndexTask(owner, collection, Documents.Generate(5), Retry: retry));
        return taskId;
    }

    private static async Task<IndexTaskSnapshot> UntilAsync(IGrainFactory grains, Guid taskId, Func<IndexTaskSnapshot, bool> condition, string what)
    {
        IndexTaskSnapshot snapshot = null!;
        await Eventually.TrueAsync($"task {taskId} {what}", async () => condition(snapshot = await SnapshotAsync(grains, taskId)), Deadline);
        return snapshot;
    }

    [Fact]
    public async Task An_owner_at_the_limit_with_every_task_waiting_to_retry_starts_nothing_new_until_one_ends()
    {
        postgres.Require();
        var database = await postgres.CreateDatabaseAsync();
        var cluster = "w" + Guid.NewGuid().ToString("N")[..10];
        await using var silo = await PostgresSilo.StartAsync(database, cluster, Settings, s => s.Services.AddFaultInjection());
        var grains = silo.Client;
        var failing = "f" + Guid.NewGuid().ToString("N")[..12];
        var fault = silo.Services.GetRequiredService<FaultPlan>().FailIndex(failing, times: 1000);
        var longWait = new TaskRetryPolicy(5, TimeSpan.FromMinutes(10), MaxInterval: TimeSpan.FromMinutes(10));
        var resting = new[] { await StartAsync(grains, "alice", failing, longWait), await StartAsync(grains, "alice", failing, longWait) };
        foreach (var taskId in resting)
        {
            await UntilAsync(grains, taskId, s => s.NextAttemptAt is not null, "to wait for its second attempt");
        }

        // Alice is at her limit of two with both tasks waiting: her third is queued.
        var third = await StartAsync(grains, "alice", "a" + Guid.NewGuid().ToString("N")[..12]);
        await UntilAsync(grains, third, s => s.QueuePosition == 1, "to be queued first");

        // The two slots of the silo are free for others meanwhile: bob's two tasks run to the end.
        var bob = new[] { await StartAsync(grains, "bob", "b" + Guid.NewGuid().ToString("N")[..12]), await StartAsync(grains, "bob", "b" + Guid.NewGuid().ToString("N")[..12]) };
        foreach (var taskId in bob)
        {
            Assert.Equal(IndexTaskStatus.Completed, (await UntilAsync(grains, taskId, s => s.IsTerminal, "to end")).Status);
        }

        var stillQueued = await SnapshotAsync(grains, third);
        Assert.Equal((IndexTaskStatus.Pending, (int?)1), (stillQueued.Status, stillQueued.QueuePosition));

        // One of her waiting tasks ends: its place goes to her third task.
        await grains.GetGrain<IIndexTaskGrain>(resting[0]).Cancel(CancelledBy.User("alice"));
        Assert.Equal(IndexTaskStatus.Completed, (await UntilAsync(grains, third, s => s.IsTerminal, "to end")).Status);
        var other = await SnapshotAsync(grains, resting[1]);
        Assert.Equal((IndexTaskStatus.Processing, 2), (other.Status, other.Attempt));
        fault.Stop();
        await grains.GetGrain<IIndexTaskGrain>(resting[1]).Cancel(CancelledBy.User("alice"));
    }
}
