using Microsoft.Extensions.DependencyInjection;
using OrleansTasks.Tasks;
using OrleansTasks.Testing;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// A task whose single writes fail — storage, its lease, its history row, the index — still ends
/// exactly once, its watchers see <c>seq</c> and status only move forward, and storage, memory,
/// the published snapshot and history agree at the end.
/// </summary>
[Collection(FaultClusterCollection.Name)]
public sealed class TaskFailedWriteTests(FaultClusterFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private static string NewCollection() => "c" + Guid.NewGuid().ToString("N")[..12];

    private static GrainId TaskGrain(Guid taskId) => GrainId.Create("index-task", taskId.ToString("N"));

    private static StartIndexTask Request(int documents, string collection, DateTimeOffset? runAt = null) =>
        new("alice", collection, Documents.Generate(documents), RunAt: runAt);

    [Fact]
    public async Task A_history_row_that_fails_does_not_undo_a_persisted_cancel()
    {
        var taskId = Guid.NewGuid();
        var grain = fixture.Client.GetGrain<IIndexTaskGrain>(taskId);
        await using var watcher = await TaskWatcher.StartAsync(fixture.Client, taskId);
        await grain.Start(Request(5, NewCollection(), runAt: DateTimeOffset.UtcNow.AddHours(1)));
        var fault = fixture.Faults.FailHistory(taskId);

        var outcome = await grain.Cancel(CancelledBy.User("alice"));

        Assert.Equal(CancelOutcome.Cancelled, outcome);
        Assert.True(fault.Done, "the cancel's history row did not fail");
        var terminal = await watcher.WaitForTerminalAsync(Deadline);
        Assert.Equal(IndexTaskStatus.Cancelled, terminal.Status);
        var stored = await fixture.StoredAsync<IndexTaskState>("task", TaskGrain(taskId));
        Assert.Equal(IndexTaskStatus.Cancelled, stored.Status);
        Assert.Equal(terminal.Seq, stored.Seq);
        Assert.Equal(terminal.Seq, (await grain.GetSnapshot())!.Seq);

        // The history row catches up at the next lease tick; the task stays cancelled.
        await Eventually.TrueAsync("the history row to show the cancel", async () =>
            (await HistoryRowAsync(taskId))?.Status == IndexTaskStatus.Cancelled, Deadline);
        Assert.Equal(CancelOutcome.AlreadyEnded, await grain.Cancel(CancelledBy.User("alice")));
        Assert.Equal(IndexTaskStatus.Cancelled, (await fixture.StoredAsync<IndexTaskState>("task", TaskGrain(taskId))).Status);
        watcher.DrainArrived();
        Assert.Single(watcher.Received, e => e.IsTerminal);
    }

    [Fact]
    public async Task A_transient_index_failure_does_not_take_a_running_task_back_to_pending()
    {
        var taskId = Guid.NewGuid();
        var collection = NewCollection();
        var grain = fixture.Client.GetGrain<IIndexTaskGrain>(taskId);
        await using var watcher = await TaskWatcher.StartAsync(fixture.Client, taskId);

        // The index times out until the test lets it through: the task, under way, waits in its retry window.
        var fault = fixture.Faults.FailIndex(collection, times: int.MaxValue);
        await grain.Start(Request(20, collection));
        var started = (await watcher.WaitForAsync(e => e.Status == IndexTaskStatus.Processing, Deadline, "the task to be under way")).StartedAt;
        await Eventually.TrueAsync("the slice to fail again after its retry", () => Task.FromResult(fault.Injected >= 2), Deadline);

        // A graceful deactivation in the retry window; the next call reaches the next activation,
        // which reads storage. Storage, the snapshot, history and watchers all say: under way since then.
        await grain.AsReference<Orleans.Core.Internal.IGrainManagementExtension>().DeactivateOnIdle();
        var reactivated = (await grain.GetSnapshot())!;
        var stored = await fixture.StoredAsync<IndexTaskState>("task", TaskGrain(taskId));
        Assert.Equal((IndexTaskStatus.Processing, started), (stored.Status, stored.StartedAt));
        Assert.Equal((IndexTaskStatus.Processing, started), (reactivated.Status, reactivated.StartedAt));
        Assert.Equal(IndexTaskStatus.Processing, (await HistoryRowAsync(taskId))?.Status);
        watcher.DrainArrived();
        Assert.All(watcher.Received.Where(e => e.Seq > 1), e => Assert.Equal((IndexTaskStatus.Processing, started), (e.Status, e.StartedAt)));

        fault.Stop();
        var terminal = await watcher.WaitForTerminalAsync(Deadline);

        Assert.Equal(IndexTaskStatus.Completed, terminal.Status);
        Assert.Equal(started, terminal.StartedAt);
        AssertMovesForward(watcher.Received);
        Assert.Equal(new TaskCounts(20, 0, 0), terminal.Counts);
        var ended = await fixture.StoredAsync<IndexTaskState>("task", TaskGrain(taskId));
        Assert.Equal((IndexTaskStatus.Completed, started, terminal.Seq), (ended.Status, ended.StartedAt, ended.Seq));
        await Eventually.TrueAsync("the history row to show the completion", async () =>
            (await HistoryRowAsync(taskId))?.Status == IndexTaskStatus.Completed, Deadline);
    }

    [Fact]
    public async Task A_lease_that_cannot_be_taken_leaves_no_task_and_the_retry_runs_it()
    {
        var taskId = Guid.NewGuid();
        var grain = fixture.Client.GetGrain<IIndexTaskGrain>(taskId);
        await using var watcher = await TaskWatcher.StartAsync(fixture.Client, taskId);
        fixture.Faults.FailReminders(TaskGrain(taskId));
        var request = Request(10, NewCollection());

        await Assert.ThrowsAsync<TimeoutException>(() => grain.Start(request));
        Assert.Null(await grain.GetSnapshot());
        var accepted = await grain.Start(request);
        var terminal = await watcher.WaitForTerminalAsync(Deadline);

        Assert.Equal(1, accepted.Seq);
        Assert.Equal(IndexTaskStatus.Completed, terminal.Status);
        AssertMovesForward(watcher.Received);
    }

    [Theory]
    [InlineData("queueing write")]
    [InlineData("lease")]
    public async Task A_dependency_check_interrupted_by_a_failure_is_finished_and_the_task_ends_once(string failing)
    {
        var dependencyId = Guid.NewGuid();
        await using (var dependencyWatcher = await TaskWatcher.StartAsync(fixture.Client, dependencyId))
        {
            await fixture.Client.GetGrain<IIndexTaskGrain>(dependencyId).Start(Request(5, NewCollection()));
            Assert.Equal(IndexTaskStatus.Completed, (await dependencyWatcher.WaitForTerminalAsync(Deadline)).Status);
        }

        var taskId = Guid.NewGuid();
        var grain = fixture.Client.GetGrain<IIndexTaskGrain>(taskId);
        await using var watcher = await TaskWatcher.StartAsync(fixture.Client, taskId);

        // Accepted as waiting, then the write that queues it (its dependency found completed) fails,
        // and the lease finishes it; or taking the lease fails, and the caller's retry starts it.
        var request = Request(10, NewCollection()) with { DependsOn = [dependencyId] };
        var fault = failing == "lease"
            ? fixture.Faults.FailReminders(TaskGrain(taskId))
            : fixture.Faults.FailWrites(TaskGrain(taskId), when: state => state is IndexTaskState { Status: IndexTaskStatus.Pending });
        if (failing == "lease")
        {
            await Assert.ThrowsAnyAsync<Exception>(() => grain.Start(request));
            await grain.Start(request);
        }
        else
        {
            await Record.ExceptionAsync(() => grain.Start(request));
        }

        var terminal = await watcher.WaitForTerminalAsync(Deadline);

        Assert.True(fault.Done, $"the {failing} did not fail");
        Assert.Equal(IndexTaskStatus.Completed, terminal.Status);
        Assert.Equal(new TaskCounts(10, 0, 0), terminal.Counts);
        AssertMovesForward(watcher.Received);
        var stored = await fixture.StoredAsync<IndexTaskState>("task", TaskGrain(taskId));
        Assert.Equal((IndexTaskStatus.Completed, terminal.Seq), (stored.Status, stored.Seq));
        watcher.DrainArrived();
        Assert.Single(watcher.Received, e => e.IsTerminal);
    }

    [Fact]
    public async Task A_completion_stored_without_its_acknowledgement_ends_the_task_once()
    {
        var taskId = Guid.NewGuid();
        var collection = NewCollection();
        var grain = fixture.Client.GetGrain<IIndexTaskGrain>(taskId);
        await using var watcher = await TaskWatcher.StartAsync(fixture.Client, taskId);

        var fault = fixture.Faults.FailWrites(TaskGrain(taskId), reachStorage: true, when: state => state is IndexTaskState { Status: IndexTaskStatus.Completed });
        await grain.Start(Request(3, collection));
        var terminal = await watcher.WaitForTerminalAsync(TimeSpan.FromSeconds(30));

        Assert.True(fault.Done, "the completion's write was not reached");
        Assert.Equal(IndexTaskStatus.Completed, terminal.Status);
        var stored = await fixture.StoredAsync<IndexTaskState>("task", TaskGrain(taskId));
        Assert.Equal(IndexTaskStatus.Completed, stored.Status);
        Assert.Equal(terminal.Seq, stored.Seq);
        await Eventually.TrueAsync("the task's snapshot to be the stored completion", async () =>
            (await grain.GetSnapshot())?.Seq == stored.Seq, Deadline);
        watcher.DrainArrived();
        AssertMovesForward(watcher.Received);
        Assert.Single(watcher.Received.DistinctBy(e => e.Seq), e => e.IsTerminal);
        Assert.Equal(3, await fixture.SiloServices.GetRequiredService<Indexing.IDocumentIndex>().CountWritesAsync(collection, CancellationToken.None));
    }

    [Fact]
    public async Task A_checkpoint_that_fails_is_redone_without_losing_or_doubling_documents()
    {
        var taskId = Guid.NewGuid();
        var collection = NewCollection();
        var grain = fixture.Client.GetGrain<IIndexTaskGrain>(taskId);
        await using var watcher = await TaskWatcher.StartAsync(fixture.Client, taskId);

        // Enough documents for many slices whatever the machine's speed: the faults below need at
        // least five writes while the task is under way.
        const int documents = 10_000;

        // After the start, three writes fail outright (checkpoints, seq reservations, status changes
        // and resuming activations alike); once under way again, two are stored without their acknowledgement.
        var failed = fixture.Faults.FailWrites(TaskGrain(taskId), skip: 2, times: 3);
        var unacknowledged = fixture.Faults.FailWrites(TaskGrain(taskId), times: 2, reachStorage: true,
            when: state => state is IndexTaskState { Current: > 0, Status: IndexTaskStatus.Processing });
        await grain.Start(new StartIndexTask("alice", collection, Documents.Generate(documents, wordsPerDocument: 200)));
        var terminal = await watcher.WaitForTerminalAsync(Deadline);

        Assert.True(failed.Done, $"{failed.Injected} of the writes meant to fail did");
        Assert.True(unacknowledged.Done, $"{unacknowledged.Injected} of the writes meant to lose their acknowledgement did");
        Assert.Equal(IndexTaskStatus.Completed, terminal.Status);
        Assert.Equal(new TaskCounts(documents, 0, 0), terminal.Counts);
        AssertMovesForward(watcher.Received, progressRises: false);
        Assert.Equal(documents, await fixture.SiloServices.GetRequiredService<Indexing.IDocumentIndex>().CountWritesAsync(collection, CancellationToken.None));
        var results = new List<DocumentResult>();
        for (var offset = 0; offset < documents; offset += 1000)
        {
            results.AddRange((await grain.GetResults(offset, 1000)).Items);
        }

        Assert.Equal(documents, results.Count);
        Assert.Equal(documents, results.Select(r => r.Id).Distinct().Count());
    }

    [Fact]
    public async Task An_acceptance_stored_without_its_acknowledgement_is_found_by_the_retry_and_runs_once()
    {
        var taskId = Guid.NewGuid();
        var collection = NewCollection();
        var grain = fixture.Client.GetGrain<IIndexTaskGrain>(taskId);
        await using var watcher = await TaskWatcher.StartAsync(fixture.Client, taskId);
        var fault = fixture.Faults.FailWrites(TaskGrain(taskId), reachStorage: true, when: state => state is IndexTaskState { Accepted: true, Seq: 1 });
        var request = Request(10, collection);

        await Assert.ThrowsAsync<OrleansException>(() => grain.Start(request));
        var accepted = await grain.Start(request);
        var terminal = await watcher.WaitForTerminalAsync(Deadline);

        Assert.True(fault.Done);
        Assert.Equal(taskId, accepted.TaskId);
        Assert.Equal(10, accepted.Total);
        Assert.Equal(IndexTaskStatus.Completed, terminal.Status);
        Assert.Equal(10, await fixture.SiloServices.GetRequiredService<Indexing.IDocumentIndex>().CountWritesAsync(collection, CancellationToken.None));
        watcher.DrainArrived();
        AssertMovesForward(watcher.Received);
    }

    [Fact]
    public async Task A_history_row_that_keeps_failing_past_the_lease_period_is_written_once_history_is_back()
    {
        var taskId = Guid.NewGuid();
        var grain = fixture.Client.GetGrain<IIndexTaskGrain>(taskId);
        await using var watcher = await TaskWatcher.StartAsync(fixture.Client, taskId);
        await grain.Start(Request(3, NewCollection(), runAt: DateTimeOffset.UtcNow.AddHours(1)));
        var fault = fixture.Faults.FailHistory(taskId, times: int.MaxValue);
        await grain.Cancel(CancelledBy.User("alice"));
        await watcher.WaitForTerminalAsync(Deadline);

        // The lease (1 s) keeps ticking, and retrying the row, for several periods after the end.
        await Eventually.TrueAsync("the history row to be retried well past the lease period", () => Task.FromResult(fault.Injected >= 5), TimeSpan.FromSeconds(20));
        fault.Stop();

        await Eventually.TrueAsync("the history row to show the cancel", async () =>
            (await HistoryRowAsync(taskId))?.Status == IndexTaskStatus.Cancelled, Deadline);
    }

    [Fact]
    public async Task A_purge_whose_clear_failed_is_found_and_finished_by_the_next_sweep()
    {
        var taskId = Guid.NewGuid();
        await using var watcher = await TaskWatcher.StartAsync(fixture.Client, taskId);
        await fixture.Client.GetGrain<IIndexTaskGrain>(taskId).Start(Request(3, NewCollection()));
        var terminal = await watcher.WaitForTerminalAsync(Deadline);
        await Eventually.TrueAsync("the history row to show the end", async () => (await HistoryRowAsync(taskId))?.Status == terminal.Status, Deadline);
        var fault = fixture.Faults.FailClears(TaskGrain(taskId));
        var worker = fixture.Client.GetGrain<IIndexTaskWorker>(taskId);

        await Assert.ThrowsAsync<OrleansException>(worker.Purge);

        Assert.True(fault.Done, "the clear was not reached");
        var due = await fixture.History.EndedBeforeAsync(DateTimeOffset.MaxValue, int.MaxValue, CancellationToken.None);
        Assert.Contains(taskId, due);
        Assert.True(await worker.Purge());
        Assert.False((await fixture.StoredAsync<IndexTaskState>("task", TaskGrain(taskId))).Accepted);
        Assert.Null(await HistoryRowAsync(taskId));
    }

    private async Task<TaskSummary?> HistoryRowAsync(Guid taskId)
    {
        var page = await fixture.History.ListAsync(new HistoryQuery("alice", Limit: HistoryQuery.MaxLimit), CancellationToken.None);
        return page.Items.FirstOrDefault(row => row.TaskId == taskId);
    }

    /// <summary>
    /// Seq only rises, and the status never goes back (pending → processing → end). Progress rises
    /// too unless an activation retired: the next one resumes from the last checkpoint, as after a crash.
    /// </summary>
    internal static void AssertMovesForward(IReadOnlyList<IndexTaskSnapshot> events, bool progressRises = true)
    {
        var distinct = events.DistinctBy(e => e.Seq).ToList();
        Assert.Equal(distinct.Select(e => e.Seq).Order(), distinct.Select(e => e.Seq));
        var rank = distinct.Select(e => e.Status switch
        {
            IndexTaskStatus.Waiting => 0,
            IndexTaskStatus.Pending => 1,
            IndexTaskStatus.Processing => 2,
            _ => 3,
        }).ToList();
        Assert.True(rank.SequenceEqual(rank.Order()), "status went back: " + string.Join(" → ", distinct.Select(e => $"{e.Seq}:{e.Status}")));
        if (progressRises)
        {
            var progress = distinct.Where(e => !e.IsTerminal).Select(e => e.Current).ToList();
            Assert.Equal(progress.Order(), progress);
        }
    }
}
