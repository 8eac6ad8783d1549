using Microsoft.Extensions.DependencyInjection;
using OrleansTasks.Indexing;
using OrleansTasks.Testing;
using OrleansTasks.Testing.Faults;

namespace OrleansTasks.Grains.Tests;

/// <summary>Manual retry on PostgreSQL: the retry indexes only what the original did not, and the links survive a restart.</summary>
public sealed class PostgresRetryTests(PostgresServer postgres)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    private static async Task<IndexTaskSnapshot> EndOfAsync(IClusterClient client, Guid taskId)
    {
        IndexTaskSnapshot? snapshot = null;
        await Eventually.TrueAsync($"task {taskId} to end",
            async () => (snapshot = await client.GetGrain<IIndexTaskGrain>(taskId).GetSnapshot())?.IsTerminal == true, Deadline);
        return snapshot!;
    }

    [Fact]
    public async Task A_cancelled_task_and_its_retry_index_every_document_exactly_once_and_stay_linked_after_a_restart()
    {
        postgres.Require();
        var database = await postgres.CreateDatabaseAsync();
        var cluster = "c" + Guid.NewGuid().ToString("N")[..10];
        var collection = "r" + Guid.NewGuid().ToString("N")[..12];
        var originalId = Guid.NewGuid();
        Guid retryId;
        IndexTaskSnapshot cancelled;
        await using (var silo = await PostgresSilo.StartAsync(database, cluster, configure: s => s.Services.AddFaultInjection()))
        {
            var faults = silo.Services.GetRequiredService<FaultPlan>();
            faults.PaceIndex(collection, TimeSpan.FromMilliseconds(40));
            var original = silo.Client.GetGrain<IIndexTaskGrain>(originalId);
            await original.Start(new StartIndexTask("alice", collection, Documents.Generate(600)));
            await Eventually.TrueAsync("the task to index some documents", async () => (await original.GetSnapshot())!.Current > 0, Deadline);
            await original.Cancel("user:alice");
            cancelled = await EndOfAsync(silo.Client, originalId);
            faults.PaceIndex(collection, TimeSpan.Zero);

            var retry = await silo.Client.GetGrain<ITaskRetry>(originalId).Retry("user:alice", Guid.NewGuid());
            retryId = retry.TaskId;
            var end = await EndOfAsync(silo.Client, retryId);

            Assert.Equal(IndexTaskStatus.Cancelled, cancelled.Status);
            Assert.InRange(cancelled.Current, 1, 599);
            Assert.Equal((600 - cancelled.Current, IndexTaskStatus.Completed), (end.Total, end.Status));
            Assert.Equal(600, await silo.Services.GetRequiredService<IDocumentIndex>().CountWritesAsync(collection, CancellationToken.None));
        }

        await using var restarted = await PostgresSilo.StartAsync(database, cluster);
        Assert.Equal(retryId, (await restarted.Client.GetGrain<IIndexTaskGrain>(originalId).GetSnapshot())!.RetriedBy);
        Assert.Equal(originalId, (await restarted.Client.GetGrain<IIndexTaskGrain>(retryId).GetSnapshot())!.RetryOf);
        var again = await Assert.ThrowsAsync<RetryRefusedException>(() => restarted.Client.GetGrain<ITaskRetry>(originalId).Retry("user:alice", Guid.NewGuid()));
        Assert.Equal(RetryRefusal.AlreadyRetried, again.Reason);
    }
}
