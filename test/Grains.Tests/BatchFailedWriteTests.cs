using System.Collections.Immutable;
using OrleansTasks.Batches;
using OrleansTasks.Tasks;
using OrleansTasks.Testing;
using OrleansTasks.Users;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// A batch whose single writes fail still ends exactly once and publishes its end, never publishes
/// a <c>seq</c> its storage has not reserved, and a creation or cancel that failed midway is
/// finished by its retry or by its lease, never left half done.
/// </summary>
[Collection(FaultClusterCollection.Name)]
public sealed class BatchFailedWriteTests(FaultClusterFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private static GrainId BatchGrain(Guid batchId) => GrainId.Create("index-batch", batchId.ToString("N"));

    private static BatchTaskSpec Spec(string name, int documents, ImmutableArray<Guid> dependsOn = default) =>
        new(name, "c" + Guid.NewGuid().ToString("N")[..12], Documents.Generate(documents, prefix: name), DependsOn: dependsOn);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_task_end_the_batch_failed_to_store_is_stored_when_told_again_and_the_batch_ends_once(bool reachStorage)
    {
        var batchId = Guid.NewGuid();
        await using var watcher = await BatchWatcher.StartAsync(fixture.Client, batchId);
        var fault = fixture.Faults.FailWrites(BatchGrain(batchId), reachStorage: reachStorage,
            when: state => state is BatchState { Created: true } batch && batch.Tasks.Exists(task => task.Status.IsTerminal()));

        var created = await fixture.Client.GetGrain<IBatchGrain>(batchId).Create(new CreateBatch("alice", [Spec("a", 3)]));
        var terminal = await watcher.WaitForTerminalAsync(Deadline);

        Assert.True(fault.Done, "the write taking in the task's end was not reached");
        Assert.Equal(IndexTaskStatus.Completed, terminal.Status);
        var stored = await fixture.StoredAsync<BatchState>("batch", BatchGrain(batchId));
        Assert.NotNull(stored.FinishedAt);
        Assert.Equal(terminal.Seq, stored.Seq);
        Assert.Equal(terminal.Seq, (await fixture.Client.GetGrain<IBatchGrain>(batchId).GetSnapshot())!.Seq);

        // Once the batch has acknowledged the task's end, the task tells it no more: whatever arrived
        // by then holds exactly one end.
        var taskGrain = GrainId.Create("index-task", created.Tasks[0].TaskId.ToString("N"));
        await Eventually.TrueAsync("the batch to acknowledge its task's end", async () =>
            (await fixture.StoredAsync<IndexTaskState>("task", taskGrain)).FollowersToNotify.Count == 0, Deadline);
        watcher.DrainArrived();
        Assert.Single(watcher.Received, e => e.IsTerminal);
        var seqs = watcher.Received.Select(e => e.Seq).ToList();
        Assert.Equal(seqs.Order(), seqs);
    }

    [Fact]
    public async Task A_cancel_that_failed_to_store_is_done_by_its_retry()
    {
        var blocker = Guid.NewGuid();
        await fixture.Client.GetGrain<IIndexTaskGrain>(blocker).Start(
            new StartIndexTask("alice", "blocker", Documents.Generate(1), RunAt: DateTimeOffset.UtcNow.AddHours(1)));
        var batchId = Guid.NewGuid();
        var batch = fixture.Client.GetGrain<IBatchGrain>(batchId);
        var created = await batch.Create(new CreateBatch("alice", [Spec("a", 3, [blocker])]));
        fixture.Faults.FailWrites(BatchGrain(batchId), when: state => state is BatchState { CancelledBy: not null });

        await Assert.ThrowsAsync<OrleansException>(() => batch.Cancel(CancelledBy.User("alice")));
        Assert.Null((await fixture.StoredAsync<BatchState>("batch", BatchGrain(batchId))).CancelledBy);
        var retried = await batch.Cancel(CancelledBy.User("alice"));

        Assert.Equal(CancelOutcome.Cancelled, retried);
        var task = fixture.Client.GetGrain<IIndexTaskGrain>(created.Tasks[0].TaskId);
        await Eventually.TrueAsync("the batch's task to be cancelled", async () => (await task.GetSnapshot())!.Status == IndexTaskStatus.Cancelled, Deadline);
        await Eventually.TrueAsync("the batch to end cancelled", async () => (await batch.GetSnapshot())!.Status == IndexTaskStatus.Cancelled, Deadline);
        await fixture.Client.GetGrain<IIndexTaskGrain>(blocker).Cancel(CancelledBy.User("alice"));
    }

    [Fact]
    public async Task A_batch_never_publishes_a_seq_beyond_what_its_storage_reserved()
    {
        var batchId = Guid.NewGuid();
        var violations = new List<string>();
        await using var watcher = await FeedWatcher.StartAsync<BatchSnapshot>(fixture.Client, TaskStreams.ForBatch(batchId), async snapshot =>
        {
            var stored = await fixture.StoredAsync<BatchState>("batch", BatchGrain(batchId));
            if (snapshot.Seq > stored.SeqReservedUpTo)
            {
                lock (violations)
                {
                    violations.Add($"seq {snapshot.Seq} published while storage reserved up to {stored.SeqReservedUpTo}");
                }
            }
        });

        // While its task runs, every write of the batch fails: those are the writes that reserve
        // further seq values for its progress. Once the task has ended, the database is back.
        var fault = fixture.Faults.FailWrites(BatchGrain(batchId), skip: 1, times: int.MaxValue,
            when: state => state is BatchState { Created: true, FinishedAt: null } batch && !batch.Tasks.Exists(task => task.Status.IsTerminal()));
        // The task's index writes are paced, so that it streams progress for seconds whatever the machine.
        var spec = Spec("t", 1500);
        fixture.Faults.PaceIndex(spec.Collection, TimeSpan.FromMilliseconds(20));
        var created = await fixture.Client.GetGrain<IBatchGrain>(batchId).Create(new CreateBatch("alice", [spec]));
        var task = fixture.Client.GetGrain<IIndexTaskGrain>(created.Tasks[0].TaskId);
        await Eventually.TrueAsync("the batch's task to end", async () => (await task.GetSnapshot())!.IsTerminal, Deadline);
        fault.Stop();
        var terminal = await watcher.WaitForTerminalAsync(Deadline);

        Assert.True(fault.Injected > 0, "no seq reservation of the batch failed");
        Assert.Empty(violations);
        Assert.Equal(IndexTaskStatus.Completed, terminal.Status);
        var seqs = watcher.Received.Select(e => e.Seq).ToList();
        Assert.Equal(seqs.Order(), seqs);
        Assert.Equal(seqs.Count, seqs.Distinct().Count());
    }

    [Fact]
    public async Task A_creation_that_failed_midway_is_finished_by_its_retry_under_the_same_task_ids()
    {
        var batchId = Guid.NewGuid();
        var batch = fixture.Client.GetGrain<IBatchGrain>(batchId);
        var request = new CreateBatch("alice", [Spec("a", 3), Spec("b", 3), Spec("c", 3)]);
        var fault = fixture.Faults.FailWritesOfType("index-task", skip: 1, when: state => state is IndexTaskState { Seq: 1 } task && task.BatchId == batchId);

        await Assert.ThrowsAsync<OrleansException>(() => batch.Create(request));
        var created = await batch.Create(request);

        Assert.True(fault.Done);
        Assert.Equal(3, created.Tasks.Length);
        foreach (var task in created.Tasks)
        {
            Assert.NotNull(await fixture.Client.GetGrain<IIndexTaskGrain>(task.TaskId).GetSnapshot());
        }

        await Eventually.TrueAsync("the batch to complete", async () => (await batch.GetSnapshot())!.Status == IndexTaskStatus.Completed, Deadline);
        var listed = await fixture.Client.GetGrain<IUserListGrain>(IUserListGrain.Batches("alice")).List(null, UserListGrain.MaxPageSize);
        Assert.Contains(batchId, listed.Ids);
    }

    [Fact]
    public async Task A_batch_cancelled_before_its_failed_creation_was_retried_ends_cancelled()
    {
        var batchId = Guid.NewGuid();
        var batch = fixture.Client.GetGrain<IBatchGrain>(batchId);
        fixture.Faults.FailWritesOfType("index-task", skip: 1, when: state => state is IndexTaskState { Seq: 1 } task && task.BatchId == batchId);
        var request = new CreateBatch("alice", [Spec("a", 3), Spec("b", 3)]);
        await Assert.ThrowsAsync<OrleansException>(() => batch.Create(request));

        Assert.Equal(CancelOutcome.Cancelled, await batch.Cancel(CancelledBy.User("alice")));

        await Eventually.TrueAsync("the batch to end", async () => (await batch.GetSnapshot())?.IsTerminal == true, Deadline);
        var ended = (await batch.GetSnapshot())!;
        Assert.Equal(CancelledBy.User("alice"), ended.CancelledBy);
        Assert.All(ended.Tasks, task => Assert.True(task.Status.IsTerminal()));
        Assert.Equal(ended.Seq, (await batch.Create(request)).Seq);
    }

    [Fact]
    public async Task A_creation_that_failed_midway_and_was_not_retried_is_abandoned_by_the_batchs_lease()
    {
        var batchId = Guid.NewGuid();
        var batch = fixture.Client.GetGrain<IBatchGrain>(batchId);
        fixture.Faults.FailWritesOfType("index-task", skip: 1, when: state => state is IndexTaskState { Seq: 1 } task && task.BatchId == batchId);

        await Assert.ThrowsAsync<OrleansException>(() => batch.Create(new CreateBatch("alice", [Spec("a", 3), Spec("b", 3)])));

        await Eventually.TrueAsync("the interrupted batch to end", async () => (await batch.GetSnapshot())?.IsTerminal == true, Deadline);
        var ended = (await batch.GetSnapshot())!;
        Assert.Equal(BatchMessages.CreationInterrupted, ended.Message);
        Assert.Equal(CancelledBy.Batch(batchId), ended.CancelledBy);
        Assert.All(ended.Tasks, task => Assert.True(task.Status.IsTerminal()));
        Assert.Null(await fixture.Client.GetGrain<IIndexTaskGrain>(ended.Tasks.Single(t => t.Ref == "b").TaskId).GetSnapshot());
    }
}
