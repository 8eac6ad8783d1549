using OrleansTasks.Tasks;

using Microsoft.Extensions.DependencyInjection;
using OrleansTasks.Testing;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// A task's retry policy and time limit on a silo whose index fails where the test says: transient
/// failures retried with the configured backoff to success or until the attempts are used up,
/// permanent ones not retried, and the time limit ending the task once, while it indexes or waits.
/// </summary>
[Collection(FaultClusterCollection.Name)]
public sealed class TaskRetryPolicyGrainTests(FaultClusterFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private static string NewCollection() => "r" + Guid.NewGuid().ToString("N")[..12];

    private static GrainId TaskGrain(Guid taskId) => GrainId.Create("index-task", taskId.ToString("N"));

    [Fact]
    public async Task Two_transient_index_failures_are_retried_after_the_configured_waits_and_the_task_completes()
    {
        var collection = NewCollection();
        var taskId = Guid.NewGuid();
        var grain = fixture.Client.GetGrain<IIndexTaskGrain>(taskId);
        await using var watcher = await TaskWatcher.StartAsync(fixture.Client, taskId);
        var fault = fixture.Faults.FailIndex(collection, times: 2);
        var retry = new TaskRetryPolicy(5, TimeSpan.FromMilliseconds(300), 2, TimeSpan.FromSeconds(10));

        await grain.Start(new StartIndexTask("alice", collection, Documents.Generate(20), Retry: retry));
        var terminal = await watcher.WaitForTerminalAsync(Deadline);

        Assert.Equal(IndexTaskStatus.Completed, terminal.Status);
        Assert.Equal(new TaskCounts(20, 0, 0), terminal.Counts);
        Assert.Equal(2, fault.Injected);
        var waits = watcher.Received.Where(e => e.NextAttemptAt is not null).ToList();
        Assert.Equal(2, waits.Count);
        RetryMessages.AssertWait(waits[0].Message, 2, 5, TimeSpan.FromMilliseconds(300));
        RetryMessages.AssertWait(waits[1].Message, 3, 5, TimeSpan.FromMilliseconds(600));
        Assert.Equal([2, 3], waits.Select(e => e.Attempt));
        Assert.All(waits, e => Assert.Equal(IndexTaskStatus.Processing, e.Status));

        // Once a wait is over its attempt shows without the time of the next one, now past.
        var attempts = watcher.Received.Where(e => e.Attempt > 1 && e.NextAttemptAt is null).ToList();
        Assert.Equal(["Indexing 0/20 (attempt 2 of 5)", "Indexing 0/20 (attempt 3 of 5)"], attempts.Select(e => e.Message));
        Assert.All(attempts, e => Assert.Equal(IndexTaskStatus.Processing, e.Status));

        // Each attempt started only once its wait (300 ms, then 600 ms, each up to a quarter longer) was over, and not much later.
        Assert.InRange(waits[0].NextAttemptAt!.Value - waits[0].UpdatedAt, TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(375));
        Assert.True(waits[1].UpdatedAt >= waits[0].NextAttemptAt, "the second attempt started before its wait was over");
        Assert.True(terminal.FinishedAt >= waits[1].NextAttemptAt, "the third attempt started before its wait was over");
        Assert.True(terminal.FinishedAt - waits[0].UpdatedAt < TimeSpan.FromSeconds(5), $"the retries took {terminal.FinishedAt - waits[0].UpdatedAt}");
        Assert.Equal(1, terminal.Attempt);

        var results = await grain.GetResults(0, 100);
        Assert.Equal(3, results.Items[0].Attempts);
        Assert.All(results.Items, r => Assert.Contains(r.Attempts, new[] { 1, 3 }));
    }

    [Fact]
    public async Task A_document_the_index_cannot_take_fails_at_once_without_a_retry()
    {
        var taskId = Guid.NewGuid();
        var grain = fixture.Client.GetGrain<IIndexTaskGrain>(taskId);
        await using var watcher = await TaskWatcher.StartAsync(fixture.Client, taskId);
        var documents = Documents.Generate(5).SetItem(2, new IndexDocument("empty", null, "   "));

        await grain.Start(new StartIndexTask("alice", NewCollection(), documents, Retry: new TaskRetryPolicy(MaxAttempts: 5)));
        var terminal = await watcher.WaitForTerminalAsync(Deadline);

        Assert.Equal(IndexTaskStatus.Completed, terminal.Status);
        Assert.Equal(new TaskCounts(4, 0, 1), terminal.Counts);
        Assert.DoesNotContain(watcher.Received, e => e.Attempt > 1 || e.NextAttemptAt is not null);
        var failed = Assert.Single((await grain.GetResults(0, 10, DocumentOutcome.Failed)).Items);
        Assert.Equal(("empty", 1), (failed.Id, failed.Attempts));
    }

    [Fact]
    public async Task When_every_attempt_fails_the_task_fails_with_retries_exhausted_after_exactly_max_attempts()
    {
        var collection = NewCollection();
        var taskId = Guid.NewGuid();
        var grain = fixture.Client.GetGrain<IIndexTaskGrain>(taskId);
        await using var watcher = await TaskWatcher.StartAsync(fixture.Client, taskId);
        var fault = fixture.Faults.FailIndex(collection, times: 1000);

        await grain.Start(new StartIndexTask("alice", collection, Documents.Generate(10), Retry: new TaskRetryPolicy(3, TimeSpan.FromMilliseconds(50))));
        var terminal = await watcher.WaitForTerminalAsync(Deadline);
        fault.Stop();

        Assert.Equal(IndexTaskStatus.Failed, terminal.Status);
        Assert.Equal(TaskErrors.RetriesExhaustedCode, terminal.Error!.Code);
        Assert.Equal("Indexing failed after 3 attempts: the document index timed out.", terminal.Error.Message);
        Assert.Equal(3, fault.Injected);
        Assert.Equal([2, 3], watcher.Received.Where(e => e.NextAttemptAt is not null).Select(e => e.Attempt));
        Assert.Equal(0, terminal.Current);
        Assert.Single(watcher.Received, e => e.IsTerminal);
    }

    [Fact]
    public async Task A_task_cancelled_during_a_retry_wait_ends_cancelled_and_never_tries_again()
    {
        var collection = NewCollection();
        var taskId = Guid.NewGuid();
        var grain = fixture.Client.GetGrain<IIndexTaskGrain>(taskId);
        await using var watcher = await TaskWatcher.StartAsync(fixture.Client, taskId);
        var fault = fixture.Faults.FailIndex(collection, times: 1000);
        await grain.Start(new StartIndexTask("alice", collection, Documents.Generate(10), Retry: new TaskRetryPolicy(5, TimeSpan.FromSeconds(2))));
        var waiting = await watcher.WaitForAsync(e => e.NextAttemptAt is not null, Deadline, "a retry wait");

        await grain.Cancel(CancelledBy.User("alice"));
        var terminal = await watcher.WaitForTerminalAsync(Deadline);
        // The wait would have ended here: a lease tick and the retry's timer have had their chance.
        await Eventually.TrueAsync(() => DateTimeOffset.UtcNow > waiting.NextAttemptAt!.Value.AddSeconds(2), Deadline);
        fault.Stop();

        Assert.Equal((IndexTaskStatus.Cancelled, null), (terminal.Status, terminal.NextAttemptAt));
        Assert.Equal(1, fault.Injected);
        watcher.DrainArrived();
        Assert.Single(watcher.Received, e => e.IsTerminal);
    }

    [Fact]
    public async Task Tasks_waiting_for_a_retry_give_their_slots_to_other_tasks()
    {
        var collection = NewCollection();
        var fault = fixture.Faults.FailIndex(collection, times: 1000);
        var admission = fixture.SiloServices.GetRequiredService<TaskAdmission>();
        var waiting = new List<Guid>();
        for (var i = 0; i < admission.Capacity; i++)
        {
            var taskId = Guid.NewGuid();
            await using var watcher = await TaskWatcher.StartAsync(fixture.Client, taskId);
            await fixture.Client.GetGrain<IIndexTaskGrain>(taskId).Start(new StartIndexTask("alice", collection, Documents.Generate(5), Retry: new TaskRetryPolicy(5, TimeSpan.FromMinutes(1))));
            await watcher.WaitForAsync(e => e.NextAttemptAt is not null, Deadline, "a retry wait");
            waiting.Add(taskId);
        }

        var otherId = Guid.NewGuid();
        await using (var other = await TaskWatcher.StartAsync(fixture.Client, otherId))
        {
            await fixture.Client.GetGrain<IIndexTaskGrain>(otherId).Start(new StartIndexTask("alice", NewCollection(), Documents.Generate(5)));
            Assert.Equal(IndexTaskStatus.Completed, (await other.WaitForTerminalAsync(Deadline)).Status);
        }

        fault.Stop();
        foreach (var taskId in waiting)
        {
            var snapshot = (await fixture.Client.GetGrain<IIndexTaskGrain>(taskId).GetSnapshot())!;
            Assert.Equal((IndexTaskStatus.Processing, 2), (snapshot.Status, snapshot.Attempt));
            await fixture.Client.GetGrain<IIndexTaskGrain>(taskId).Cancel(CancelledBy.User("alice"));
        }
    }

    [Fact]
    public async Task The_time_limit_ends_a_task_idle_in_a_long_backoff_once_with_the_code_timeout()
    {
        var collection = NewCollection();
        var taskId = Guid.NewGuid();
        var grain = fixture.Client.GetGrain<IIndexTaskGrain>(taskId);
        await using var watcher = await TaskWatcher.StartAsync(fixture.Client, taskId);
        var fault = fixture.Faults.FailIndex(collection, times: 1000);

        await grain.Start(new StartIndexTask("alice", collection, Documents.Generate(10), Retry: new TaskRetryPolicy(10, TimeSpan.FromMinutes(1)), Timeout: TimeSpan.FromSeconds(2)));
        var terminal = await watcher.WaitForTerminalAsync(Deadline);
        fault.Stop();

        Assert.Equal(IndexTaskStatus.Failed, terminal.Status);
        Assert.Equal((TaskErrors.TimeoutCode, "The task did not end within its time limit of PT2S after its start."), (terminal.Error!.Code, terminal.Error.Message));
        Assert.InRange(terminal.FinishedAt!.Value - terminal.StartedAt!.Value, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(6));
        Assert.Equal(1, fault.Injected);
        Assert.Equal(TimeSpan.FromSeconds(2), terminal.Timeout);
        watcher.DrainArrived();
        Assert.Single(watcher.Received, e => e.IsTerminal);
        var stored = await fixture.StoredAsync<IndexTaskState>("task", TaskGrain(taskId));
        Assert.Equal((IndexTaskStatus.Failed, terminal.Seq), (stored.Status, stored.Seq));
    }

    [Fact]
    public async Task The_time_limit_ends_a_task_that_is_still_indexing()
    {
        var collection = NewCollection();
        var taskId = Guid.NewGuid();
        var grain = fixture.Client.GetGrain<IIndexTaskGrain>(taskId);
        await using var watcher = await TaskWatcher.StartAsync(fixture.Client, taskId);
        fixture.Faults.PaceIndex(collection, TimeSpan.FromMilliseconds(100));

        await grain.Start(new StartIndexTask("alice", collection, Documents.Generate(300), Timeout: TimeSpan.FromSeconds(1)));
        var terminal = await watcher.WaitForTerminalAsync(Deadline);

        Assert.Equal(IndexTaskStatus.Failed, terminal.Status);
        Assert.Equal(TaskErrors.TimeoutCode, terminal.Error!.Code);
        Assert.InRange(terminal.Current, 1, 299);
        Assert.InRange(terminal.FinishedAt!.Value - terminal.StartedAt!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(4));
        Assert.Equal(TaskErrors.TimeoutCode, (await grain.GetSnapshot())!.Error!.Code);
    }
}
