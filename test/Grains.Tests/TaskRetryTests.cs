using System.Collections.Immutable;
using OrleansTasks.Tasks;
using OrleansTasks.Testing;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// Manual retry through the grain interfaces: an ended task's failed and unprocessed documents run again as
/// one new task linked both ways, every refusal changes nothing, and a failed link write still leaves
/// exactly one retry. Tasks fail through the fault harness (an index that refuses a write for good).
/// </summary>
[Collection(FaultClusterCollection.Name)]
public sealed class TaskRetryTests(FaultClusterFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private const string Alice = "user:alice";

    private static string NewCollection() => "r" + Guid.NewGuid().ToString("N")[..12];

    private static GrainId TaskGrain(Guid taskId) => GrainId.Create("index-task", taskId.ToString("N"));

    private IIndexTaskGrain Grain(Guid taskId) => fixture.Client.GetGrain<IIndexTaskGrain>(taskId);

    private ITaskRetry Retrying(Guid taskId) => fixture.Client.GetGrain<ITaskRetry>(taskId);

    private async Task<IndexTaskSnapshot> EndOfAsync(Guid taskId)
    {
        IndexTaskSnapshot? snapshot = null;
        await Eventually.TrueAsync($"task {taskId} to end", async () => (snapshot = await Grain(taskId).GetSnapshot())?.IsTerminal == true, Deadline);
        return snapshot!;
    }

    private async Task<IndexTaskSnapshot> RunToEndAsync(StartIndexTask request)
    {
        var taskId = Guid.NewGuid();
        await Grain(taskId).Start(request);
        return await EndOfAsync(taskId);
    }

    private async Task<List<DocumentResult>> ResultsAsync(Guid taskId, DocumentOutcome? outcome = null)
    {
        var results = new List<DocumentResult>();
        int? offset = 0;
        while (offset is { } from)
        {
            var page = await Grain(taskId).GetResults(from, 1000, outcome);
            results.AddRange(page.Items);
            offset = page.NextOffset;
        }

        return results;
    }

    /// <summary>Documents with a few that fail on their own (nothing to index), at <paramref name="failing"/>.</summary>
    private static ImmutableArray<IndexDocument> WithFailing(int count, params int[] failing)
    {
        var documents = Documents.Generate(count);
        foreach (var position in failing)
        {
            documents = documents.SetItem(position, documents[position] with { Content = "   " });
        }

        return documents;
    }

    [Fact]
    public async Task A_failed_task_is_retried_with_exactly_its_failed_and_unprocessed_documents_as_one_linked_task()
    {
        var collection = NewCollection();
        var documents = WithFailing(300, 1, 2);
        var refusal = fixture.Faults.RefuseIndex(collection, skip: 1);
        var original = await RunToEndAsync(new StartIndexTask("alice", collection, documents));
        Assert.True(refusal.Done, "the index did not refuse the second slice");
        Assert.Equal(IndexTaskStatus.Failed, original.Status);
        Assert.InRange(original.Current, 1, 299);
        var expected = (await ResultsAsync(original.TaskId, DocumentOutcome.Failed)).Select(result => result.Id)
            .Concat(documents.Skip(original.Current).Select(document => document.Id)).ToList();

        var retry = await Retrying(original.TaskId).Retry(Alice, Guid.NewGuid());
        var end = await EndOfAsync(retry.TaskId);

        Assert.Equal(TaskRetries.IdOf(original.TaskId), retry.TaskId);
        Assert.Equal((original.OwnerId, original.Collection, expected.Count), (retry.OwnerId, retry.Collection, retry.Total));
        Assert.Equal(original.TaskId, retry.RetryOf);
        Assert.Equal(retry.TaskId, (await Grain(original.TaskId).GetSnapshot())!.RetriedBy);
        Assert.Equal(IndexTaskStatus.Completed, end.Status);
        Assert.Equal(expected, (await ResultsAsync(retry.TaskId)).Select(result => result.Id));
        var failedAgain = expected.Count(id => id is "doc-00001.md" or "doc-00002.md");
        Assert.Equal(new TaskCounts(expected.Count - failedAgain, 0, failedAgain), end.Counts);
        var stored = await fixture.StoredAsync<IndexTaskState>("task", TaskGrain(original.TaskId));
        Assert.Equal(retry.TaskId, stored.RetryLinks?.RetriedBy);
    }

    [Fact]
    public async Task A_cancelled_task_retries_only_the_documents_it_did_not_reach()
    {
        var collection = NewCollection();
        fixture.Faults.PaceIndex(collection, TimeSpan.FromMilliseconds(40));
        var taskId = Guid.NewGuid();
        await Grain(taskId).Start(new StartIndexTask("alice", collection, Documents.Generate(400)));
        await Eventually.TrueAsync("the task to index some documents", async () => (await Grain(taskId).GetSnapshot())!.Current > 0, Deadline);
        await Grain(taskId).Cancel(Alice);
        var cancelled = await EndOfAsync(taskId);
        fixture.Faults.PaceIndex(collection, TimeSpan.Zero);
        Assert.Equal(IndexTaskStatus.Cancelled, cancelled.Status);

        var retry = await Retrying(taskId).Retry(Alice, Guid.NewGuid());
        var end = await EndOfAsync(retry.TaskId);

        Assert.Equal(400 - cancelled.Current, retry.Total);
        Assert.Equal(IndexTaskStatus.Completed, end.Status);
        Assert.Equal(new TaskCounts(400 - cancelled.Current, 0, 0), end.Counts);
        Assert.Equal(Documents.Generate(400).Skip(cancelled.Current).Select(d => d.Id), (await ResultsAsync(retry.TaskId)).Select(r => r.Id));
    }

    [Fact]
    public async Task A_completed_task_retries_its_failed_documents_only()
    {
        var original = await RunToEndAsync(new StartIndexTask("alice", NewCollection(), WithFailing(10, 3, 7)));
        Assert.Equal((IndexTaskStatus.Completed, 2), (original.Status, original.Counts.Failed));

        var retry = await Retrying(original.TaskId).Retry(Alice, Guid.NewGuid());
        await EndOfAsync(retry.TaskId);

        Assert.Equal(["doc-00003.md", "doc-00007.md"], (await ResultsAsync(retry.TaskId)).Select(r => r.Id));
    }

    [Fact]
    public async Task Every_refusal_says_why_and_changes_nothing()
    {
        var unknown = await Assert.ThrowsAsync<RetryRefusedException>(() => Retrying(Guid.NewGuid()).Retry(Alice, Guid.NewGuid()));
        Assert.Equal(RetryRefusal.NotFound, unknown.Reason);

        var waitingId = Guid.NewGuid();
        await Grain(waitingId).Start(new StartIndexTask("alice", NewCollection(), Documents.Generate(3), RunAt: DateTimeOffset.UtcNow.AddHours(1)));
        var waiting = await Assert.ThrowsAsync<RetryRefusedException>(() => Retrying(waitingId).Retry(Alice, Guid.NewGuid()));
        Assert.Equal(RetryRefusal.NotEnded, waiting.Reason);
        await Grain(waitingId).Cancel(Alice);

        var clean = await RunToEndAsync(new StartIndexTask("alice", NewCollection(), Documents.Generate(5)));
        var nothing = await Assert.ThrowsAsync<RetryRefusedException>(() => Retrying(clean.TaskId).Retry(Alice, Guid.NewGuid()));
        Assert.Equal(RetryRefusal.NothingToRetry, nothing.Reason);
        Assert.Null(await Grain(TaskRetries.IdOf(clean.TaskId)).GetSnapshot());
        Assert.Equal(clean.Seq, (await Grain(clean.TaskId).GetSnapshot())!.Seq);

        var failing = await RunToEndAsync(new StartIndexTask("alice", NewCollection(), WithFailing(4, 0)));
        var request = Guid.NewGuid();
        var retry = await Retrying(failing.TaskId).Retry(Alice, request);
        var repeated = await Retrying(failing.TaskId).Retry(Alice, request);
        var again = await Assert.ThrowsAsync<RetryRefusedException>(() => Retrying(failing.TaskId).Retry(Alice, Guid.NewGuid()));

        Assert.Equal(retry.TaskId, repeated.TaskId);
        Assert.Equal(retry.CreatedAt, repeated.CreatedAt);
        Assert.Equal((RetryRefusal.AlreadyRetried, retry.TaskId), (again.Reason, again.RetriedBy));
        Assert.Equal(retry.TaskId, (await Grain(failing.TaskId).GetSnapshot())!.RetriedBy);
    }

    [Fact]
    public async Task A_link_write_that_fails_after_the_retry_was_created_still_leaves_exactly_one_retry()
    {
        var original = await RunToEndAsync(new StartIndexTask("alice", NewCollection(), WithFailing(6, 2)));
        var fault = fixture.Faults.FailWrites(TaskGrain(original.TaskId), when: state => state is IndexTaskState { RetryLinks.RetriedBy: not null });

        await Assert.ThrowsAnyAsync<Exception>(() => Retrying(original.TaskId).Retry(Alice, Guid.NewGuid()));
        Assert.True(fault.Done, "the link write did not fail");
        var created = await Grain(TaskRetries.IdOf(original.TaskId)).GetSnapshot();
        Assert.NotNull(created);
        Assert.Null((await fixture.StoredAsync<IndexTaskState>("task", TaskGrain(original.TaskId))).RetryLinks?.RetriedBy);

        // The client tries again (a new request, no key): the retry made the first time is linked, none is added.
        var retry = await Retrying(original.TaskId).Retry(Alice, Guid.NewGuid());

        Assert.Equal((created.TaskId, created.CreatedAt), (retry.TaskId, retry.CreatedAt));
        Assert.Equal(retry.TaskId, (await fixture.StoredAsync<IndexTaskState>("task", TaskGrain(original.TaskId))).RetryLinks?.RetriedBy);
        Assert.Equal(retry.TaskId, (await Grain(original.TaskId).GetSnapshot())!.RetriedBy);
        Assert.Equal(IndexTaskStatus.Completed, (await EndOfAsync(retry.TaskId)).Status);
        Assert.Equal(["doc-00002.md"], (await ResultsAsync(retry.TaskId)).Select(r => r.Id));
    }

    [Fact]
    public async Task A_batch_retries_its_failed_tasks_as_a_new_batch_whose_retries_wait_for_each_other()
    {
        var failing = NewCollection();
        var batchId = Guid.NewGuid();
        var refusal = fixture.Faults.RefuseIndex(failing);
        await fixture.Client.GetGrain<IBatchGrain>(batchId).Create(new CreateBatch("alice",
        [
            new BatchTaskSpec("first", failing, Documents.Generate(20, prefix: "first")),
            new BatchTaskSpec("second", NewCollection(), Documents.Generate(20, prefix: "second"), After: ["first"]),
            new BatchTaskSpec("other", NewCollection(), Documents.Generate(20, prefix: "other")),
        ]));
        BatchSnapshot? ended = null;
        await Eventually.TrueAsync("the batch to end", async () => (ended = await fixture.Client.GetGrain<IBatchGrain>(batchId).GetSnapshot())!.IsTerminal, Deadline);
        Assert.True(refusal.Done, "the index did not refuse the first task");
        Assert.Equal(new TaskStatusCounts(0, 0, 0, 1, 2, 0), ended!.Rollup.Tasks);

        var request = Guid.NewGuid();
        var retry = await fixture.Client.GetGrain<IBatchRetry>(batchId).Retry(Alice, request);
        BatchSnapshot? retryEnd = null;
        await Eventually.TrueAsync("the retry batch to end", async () => (retryEnd = await fixture.Client.GetGrain<IBatchGrain>(retry.BatchId).GetSnapshot())!.IsTerminal, Deadline);

        Assert.Equal(batchId, retry.RetryOf);
        Assert.Equal(["first", "second"], retry.Tasks.Select(task => task.Ref));
        Assert.Equal(IndexTaskStatus.Completed, retryEnd!.Status);
        Assert.Equal(retry.BatchId, (await fixture.Client.GetGrain<IBatchGrain>(batchId).GetSnapshot())!.RetriedBy);
        var originals = ended.Tasks.ToDictionary(task => task.Ref!, task => task.TaskId);
        var first = (await Grain(retry.Tasks[0].TaskId).GetSnapshot())!;
        var second = (await Grain(retry.Tasks[1].TaskId).GetSnapshot())!;
        Assert.Equal((originals["first"], retry.BatchId), (first.RetryOf!.Value, first.BatchId!.Value));
        Assert.Equal((originals["second"], retry.BatchId), (second.RetryOf!.Value, second.BatchId!.Value));
        Assert.Equal([first.TaskId], second.DependsOn);
        Assert.Equal(first.TaskId, (await Grain(originals["first"]).GetSnapshot())!.RetriedBy);
        Assert.Null((await Grain(originals["other"]).GetSnapshot())!.RetriedBy);

        Assert.Equal(retry.BatchId, (await fixture.Client.GetGrain<IBatchRetry>(batchId).Retry(Alice, request)).BatchId);
        var again = await Assert.ThrowsAsync<RetryRefusedException>(() => fixture.Client.GetGrain<IBatchRetry>(batchId).Retry(Alice, Guid.NewGuid()));
        Assert.Equal((RetryRefusal.AlreadyRetried, retry.BatchId), (again.Reason, again.RetriedBy));
        var nothing = await Assert.ThrowsAsync<RetryRefusedException>(() => fixture.Client.GetGrain<IBatchRetry>(retry.BatchId).Retry(Alice, Guid.NewGuid()));
        Assert.Equal(RetryRefusal.NothingToRetry, nothing.Reason);
    }

    [Fact]
    public async Task A_batch_retry_broken_off_midway_is_finished_without_a_task_retried_on_its_own_meanwhile()
    {
        var failing = NewCollection();
        var batchId = Guid.NewGuid();
        var refusal = fixture.Faults.RefuseIndex(failing);
        await fixture.Client.GetGrain<IBatchGrain>(batchId).Create(new CreateBatch("alice",
        [
            new BatchTaskSpec("first", failing, Documents.Generate(20, prefix: "first")),
            new BatchTaskSpec("second", NewCollection(), Documents.Generate(20, prefix: "second"), After: ["first"]),
        ]));
        BatchSnapshot? ended = null;
        await Eventually.TrueAsync("the batch to end", async () => (ended = await fixture.Client.GetGrain<IBatchGrain>(batchId).GetSnapshot())!.IsTerminal, Deadline);
        Assert.True(refusal.Done, "the index did not refuse the first task");
        var originals = ended!.Tasks.ToDictionary(task => task.Ref!, task => task.TaskId);

        // The batch retry breaks off after retrying the first task: the second one's retry cannot be written.
        var broken = fixture.Faults.FailWrites(TaskGrain(TaskRetries.IdOf(originals["second"])));
        await Assert.ThrowsAnyAsync<Exception>(() => fixture.Client.GetGrain<IBatchRetry>(batchId).Retry(Alice, Guid.NewGuid()));
        Assert.True(broken.Done, "the second task's retry was not refused its write");

        // The user retries the second task on its own, then the batch again.
        var single = await Retrying(originals["second"]).Retry(Alice, Guid.NewGuid());
        var retry = await fixture.Client.GetGrain<IBatchRetry>(batchId).Retry(Alice, Guid.NewGuid());
        BatchSnapshot? retryEnd = null;
        await Eventually.TrueAsync("the retry batch to end", async () => (retryEnd = await fixture.Client.GetGrain<IBatchGrain>(retry.BatchId).GetSnapshot())!.IsTerminal, Deadline);

        Assert.Equal(["first"], retry.Tasks.Select(task => task.Ref));
        Assert.Equal(IndexTaskStatus.Completed, retryEnd!.Status);
        Assert.Equal(retry.BatchId, (await fixture.Client.GetGrain<IBatchGrain>(batchId).GetSnapshot())!.RetriedBy);
        Assert.Equal(single.TaskId, (await Grain(originals["second"]).GetSnapshot())!.RetriedBy);
        Assert.Null(single.BatchId);
        Assert.Equal(IndexTaskStatus.Completed, (await EndOfAsync(single.TaskId)).Status);
    }
}
