using OrleansTasks.Batches;
using OrleansTasks.Tasks;

namespace OrleansTasks.Grains.Tests;

/// <summary>The plain rules of a retry: the retry's id, the documents that run again, a source read again, the order of a batch's retries.</summary>
public sealed class TaskRetriesTests
{
    private static DocumentResult Result(string id, DocumentOutcome outcome) => new(id, outcome, outcome == DocumentOutcome.Failed ? "empty" : null);

    private static async IAsyncEnumerable<DocumentResult> Stream(params DocumentResult[] results)
    {
        foreach (var result in results)
        {
            await Task.Yield();
            yield return result;
        }
    }

    [Fact]
    public void The_retry_id_is_the_same_for_every_call_and_differs_per_original()
    {
        var original = Guid.NewGuid();

        Assert.Equal(TaskRetries.IdOf(original), TaskRetries.IdOf(original));
        Assert.NotEqual(TaskRetries.IdOf(original), TaskRetries.IdOf(Guid.NewGuid()));
        Assert.NotEqual(original, TaskRetries.IdOf(original));
        Assert.Equal(8, TaskRetries.IdOf(original).Version);
    }

    [Fact]
    public async Task The_failed_documents_then_the_unreached_ones_run_again()
    {
        var task = new IndexTaskState { Accepted = true, Status = IndexTaskStatus.Failed, Current = 4, Total = 7 };

        var positions = await TaskRetries.PositionsAsync(task, Stream(
            Result("a", DocumentOutcome.Indexed), Result("b", DocumentOutcome.Failed), Result("c", DocumentOutcome.Unchanged), Result("d", DocumentOutcome.Failed)));

        Assert.Equal([1, 3, 4, 5, 6], positions);
    }

    [Fact]
    public void The_retry_keeps_the_owner_collection_priority_retry_policy_and_time_limit_of_its_original()
    {
        var original = Guid.NewGuid();
        var batch = Guid.NewGuid();
        var dependency = Guid.NewGuid();
        var policy = new TaskRetryPolicy(3, TimeSpan.FromSeconds(2), 1.5, TimeSpan.FromSeconds(10));
        var task = new IndexTaskState
        {
            Accepted = true,
            OwnerId = "alice",
            Collection = "docs",
            Status = IndexTaskStatus.Failed,
            Priority = TaskPriority.Low,
            Retry = policy,
            Timeout = TimeSpan.FromMinutes(45),
        };
        IndexDocument[] documents = [new("b", null, "again")];

        var retry = TaskRetries.Request(original, task, documents, [dependency], batch);

        Assert.Equal(("alice", "docs", original, batch), (retry.OwnerId, retry.Collection, retry.RetryOf, retry.BatchId));
        Assert.Equal((TaskPriority.Low, policy, TimeSpan.FromMinutes(45)), (retry.Priority, retry.Retry, retry.Timeout));
        Assert.Equal(documents, retry.Documents);
        Assert.Equal([dependency], retry.Dependencies);
    }

    [Fact]
    public void The_retry_of_a_task_accepted_without_a_time_limit_has_none_whatever_the_silos_default()
    {
        var task = new IndexTaskState { Accepted = true, OwnerId = "alice", Collection = "docs", Status = IndexTaskStatus.Failed, Timeout = null };

        var retry = TaskRetries.Request(Guid.NewGuid(), task, [new IndexDocument("b", null, "again")], [], null);
        var accepted = new IndexTaskState();
        TaskTransitions.TakePolicies(accepted, retry, new TasksOptions { DefaultTimeout = TimeSpan.FromMinutes(5) });

        Assert.Equal(StartIndexTask.NoTimeout, retry.Timeout);
        Assert.Null(accepted.Timeout);
    }

    [Fact]
    public void A_source_read_again_gives_each_document_its_fresh_content_and_drops_files_that_are_gone()
    {
        IndexDocument[] stored = [new("a.md", null, "old a"), new("b.md", null, "old b")];
        IndexDocument[] fresh = [new("b.md", null, "new b"), new("c.md", null, "new c")];

        Assert.Equal([new IndexDocument("b.md", null, "new b")], TaskRetries.Refresh(stored, fresh));
    }

    [Fact]
    public void Refusals_follow_the_state()
    {
        var request = Guid.NewGuid();
        var retried = new IndexTaskState
        {
            Accepted = true,
            Status = IndexTaskStatus.Failed,
            RetryLinks = new TaskRetryLinks { RetriedBy = Guid.NewGuid(), RetryRequestId = request },
        };

        Assert.Equal(RetryRefusal.NotFound, TaskRetries.Refusal(new IndexTaskState(), request)!.Reason);
        Assert.Equal(RetryRefusal.NotEnded, TaskRetries.Refusal(new IndexTaskState { Accepted = true, Status = IndexTaskStatus.Processing }, request)!.Reason);
        Assert.Equal(RetryRefusal.NothingToRetry, TaskRetries.Refusal(new IndexTaskState { Accepted = true, Status = IndexTaskStatus.Completed, Indexed = 3 }, request)!.Reason);
        Assert.Null(TaskRetries.Refusal(new IndexTaskState { Accepted = true, Status = IndexTaskStatus.Completed, Failed = 1 }, request));
        Assert.Null(TaskRetries.Refusal(retried, request));
        var again = TaskRetries.Refusal(retried, Guid.NewGuid())!;
        Assert.Equal((RetryRefusal.AlreadyRetried, retried.RetryLinks.RetriedBy), (again.Reason, again.RetriedBy));
    }

    [Fact]
    public void A_batch_retries_each_task_after_those_it_waited_for()
    {
        Guid a = Guid.NewGuid(), b = Guid.NewGuid(), c = Guid.NewGuid(), outside = Guid.NewGuid();

        var order = BatchRetries.Order([c, b, a], [[b, outside], [a], []]);

        Assert.Equal([2, 1, 0], order);
    }

    [Fact]
    public void A_batch_retry_leaves_out_a_task_its_own_retry_refuses_for_any_reason_but_not_one_that_failed_or_met_an_upgrade()
    {
        Assert.All(Enum.GetValues<RetryRefusal>().Where(reason => reason != RetryRefusal.ClusterUpgrading),
            reason => Assert.True(BatchRetries.LeavesOut(new RetryRefusedException(reason, "refused")), $"{reason} was not left out"));
        Assert.True(BatchRetries.LeavesOut(new InvalidTaskRequestException("source", "The directory '/srv/docs/a' does not exist.")));
        Assert.False(BatchRetries.LeavesOut(new RetryRefusedException(RetryRefusal.ClusterUpgrading, "upgrading")));
        Assert.False(BatchRetries.LeavesOut(new TimeoutException("the silo did not answer")));
        Assert.False(BatchRetries.LeavesOut(new Orleans.Storage.InconsistentStateException("etag")));
    }

    [Fact]
    public void A_small_completed_task_keeps_its_documents_only_when_some_failed()
    {
        var documents = Documents.Generate(3);
        var clean = TaskTransitions.Accept(new StartIndexTask("alice", "docs", documents), [], documents, 3, [], DateTimeOffset.UnixEpoch);
        var failing = TaskTransitions.Accept(new StartIndexTask("alice", "docs", documents), [], documents, 3, [], DateTimeOffset.UnixEpoch);
        failing.Failed = 1;

        TaskTransitions.Complete(clean, new TaskResultPreview([], false), DateTimeOffset.UnixEpoch);
        TaskTransitions.Complete(failing, new TaskResultPreview([], false), DateTimeOffset.UnixEpoch);

        Assert.Null(clean.InlineDocuments);
        Assert.Equal(documents, failing.InlineDocuments);
    }
}
