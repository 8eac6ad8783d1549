using System.Collections.Immutable;
using OrleansTasks.Tasks;

namespace OrleansTasks.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class BatchGrainTests(ClusterFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);

    private static string NewOwner() => "owner-" + Guid.NewGuid().ToString("N")[..8];

    private static BatchTaskSpec Task(string reference, int documents, string[]? after = null, Guid[]? dependsOn = null) =>
        new(reference, "b" + Guid.NewGuid().ToString("N")[..12], Documents.Generate(documents, prefix: reference, wordsPerDocument: 60),
            After: after is null ? [] : [.. after], DependsOn: dependsOn is null ? [] : [.. dependsOn]);

    private async Task<IndexTaskSnapshot> TaskSnapshotAsync(Guid id) => (await fixture.Grains.GetGrain<IIndexTaskGrain>(id).GetSnapshot())!;

    [Fact]
    public async Task A_batch_of_20_tasks_rolls_up_progress_weighted_by_documents_as_the_sum_of_its_tasks()
    {
        var batchId = Guid.NewGuid();
        var sizes = Enumerable.Range(0, 20).Select(i => 100 + (i * 53 % 400)).ToArray();
        await using var watcher = await BatchWatcher.StartAsync(fixture.Client, batchId);
        var created = await fixture.Grains.GetGrain<IBatchGrain>(batchId)
            .Create(new CreateBatch("alice", [.. sizes.Select((size, i) => Task($"t{i}", size))]));

        var midway = await watcher.WaitForAsync(b => b.Rollup.Current > 0 && !b.IsTerminal, Deadline);
        var tasksAfterMidway = await System.Threading.Tasks.Task.WhenAll(created.Tasks.Select(t => TaskSnapshotAsync(t.TaskId)));
        var end = await watcher.WaitForTerminalAsync(Deadline);
        var tasksAtEnd = await System.Threading.Tasks.Task.WhenAll(created.Tasks.Select(t => TaskSnapshotAsync(t.TaskId)));

        Assert.Equal(20, created.Tasks.Length);
        Assert.Equal(sizes.Sum(), created.Rollup.Total);
        Assert.True(tasksAfterMidway.Sum(t => t.Current) >= midway.Rollup.Current,
            $"the batch said {midway.Rollup.Current} documents before its tasks had done {tasksAfterMidway.Sum(t => t.Current)}");
        Assert.Equal(IndexTaskStatus.Completed, end.Status);
        Assert.Equal(100, end.Progress);
        Assert.Equal(tasksAtEnd.Sum(t => t.Total), end.Rollup.Total);
        Assert.Equal(tasksAtEnd.Sum(t => t.Current), end.Rollup.Current);
        Assert.Equal(new TaskCounts(sizes.Sum(), 0, 0), end.Rollup.Documents);
        Assert.Equal(new TaskStatusCounts(0, 0, 0, 20, 0, 0), end.Rollup.Tasks);
        Assert.All(tasksAtEnd, t => Assert.Equal(batchId, t.BatchId));
        var events = watcher.Received;
        Assert.All(events, e => Assert.Equal(TaskGroupProgress.Of(e.Tasks), e.Rollup));
        Assert.Equal(events.Select(e => e.Seq).Order(), events.Select(e => e.Seq));
        Assert.Equal(events.Count, events.Select(e => e.Seq).Distinct().Count());
        var progress = events.SkipLast(1).Select(e => e.Progress).ToList();
        Assert.Equal(progress.Order(), progress);
        Assert.True(events.Count > 3, $"expected progress between creation and end, got {events.Count} events");
        var page = await fixture.Grains.GetGrain<IUserListGrain>(IUserListGrain.Batches("alice")).List(null, 200);
        Assert.Contains(batchId, page.Ids);
    }

    [Fact]
    public async Task Cancelling_a_batch_midway_cancels_every_unfinished_task_as_the_batch()
    {
        var batchId = Guid.NewGuid();
        await using var watcher = await BatchWatcher.StartAsync(fixture.Client, batchId);
        var batch = fixture.Grains.GetGrain<IBatchGrain>(batchId);
        var created = await batch.Create(new CreateBatch("alice", [.. Enumerable.Range(0, 6).Select(i => Task($"t{i}", 2500))]));
        await watcher.WaitForAsync(b => b.Rollup.Current > 0, Deadline);

        var outcome = await batch.Cancel(CancelledBy.User("alice"));
        var end = await watcher.WaitForTerminalAsync(Deadline);
        var tasks = await System.Threading.Tasks.Task.WhenAll(created.Tasks.Select(t => TaskSnapshotAsync(t.TaskId)));

        Assert.Equal(CancelOutcome.Cancelled, outcome);
        Assert.Equal(IndexTaskStatus.Cancelled, end.Status);
        Assert.Equal("user:alice", end.CancelledBy);
        Assert.Equal("Cancelled by user:alice", end.Message);
        Assert.All(tasks, t => Assert.True(t.IsTerminal));
        var cancelled = tasks.Where(t => t.Status == IndexTaskStatus.Cancelled).ToList();
        Assert.NotEmpty(cancelled);
        Assert.All(cancelled, t => Assert.Equal($"batch:{batchId}", t.CancelledBy));
        Assert.All(tasks.Where(t => t.Status != IndexTaskStatus.Cancelled), t => Assert.Equal(IndexTaskStatus.Completed, t.Status));
        Assert.Equal(cancelled.Count, end.Rollup.Tasks.Cancelled);
        Assert.Equal(CancelOutcome.AlreadyEnded, await batch.Cancel(CancelledBy.User("alice")));
    }

    [Fact]
    public async Task A_diamond_declared_by_ref_runs_each_task_after_those_it_waits_for()
    {
        var batchId = Guid.NewGuid();
        await using var watcher = await BatchWatcher.StartAsync(fixture.Client, batchId);
        var created = await fixture.Grains.GetGrain<IBatchGrain>(batchId).Create(new CreateBatch("alice",
        [
            Task("d", 50, after: ["b", "c"]),
            Task("b", 200, after: ["a"]),
            Task("a", 800),
            Task("c", 200, after: ["a"]),
        ]));

        var end = await watcher.WaitForTerminalAsync(Deadline);
        var byRef = new Dictionary<string, IndexTaskSnapshot>();
        foreach (var task in created.Tasks)
        {
            byRef[task.Ref!] = await TaskSnapshotAsync(task.TaskId);
        }

        Assert.Equal(["d", "b", "a", "c"], created.Tasks.Select(t => t.Ref));
        Assert.Equal(IndexTaskStatus.Completed, end.Status);
        Assert.Equal([byRef["b"].TaskId, byRef["c"].TaskId], byRef["d"].DependsOn);
        Assert.True(byRef["b"].StartedAt >= byRef["a"].FinishedAt && byRef["c"].StartedAt >= byRef["a"].FinishedAt);
        Assert.True(byRef["d"].StartedAt >= byRef["b"].FinishedAt && byRef["d"].StartedAt >= byRef["c"].FinishedAt);
    }

    [Fact]
    public async Task A_cycle_is_refused_naming_it_and_nothing_is_created()
    {
        var owner = NewOwner();
        var batch = fixture.Grains.GetGrain<IBatchGrain>(Guid.NewGuid());

        var error = await Assert.ThrowsAsync<InvalidTaskRequestException>(() => batch.Create(new CreateBatch(owner,
        [
            Task("free", 5),
            Task("a", 5, after: ["c"]),
            Task("b", 5, after: ["a"]),
            Task("c", 5, after: ["b", "free"]),
        ])));

        Assert.Equal("tasks", error.Field);
        Assert.Contains("cycle", error.Message, StringComparison.Ordinal);
        Assert.Matches("(a → c → b → a|b → a → c → b|c → b → a → c)", error.Message);
        await AssertNothingCreatedAsync(owner, batch);
    }

    [Theory]
    [InlineData("foreign")]
    [InlineData("unknown")]
    [InlineData("bad-ref")]
    [InlineData("self")]
    public async Task Foreign_and_unknown_dependencies_are_refused_and_nothing_is_created(string kind)
    {
        var owner = NewOwner();
        var bobsTask = Guid.NewGuid();
        await fixture.Grains.GetGrain<IIndexTaskGrain>(bobsTask).Start(new StartIndexTask("bob", "bobs", Documents.Generate(3)));
        var batch = fixture.Grains.GetGrain<IBatchGrain>(Guid.NewGuid());
        BatchTaskSpec second = kind switch
        {
            "foreign" => Task("second", 5, dependsOn: [bobsTask]),
            "unknown" => Task("second", 5, dependsOn: [Guid.NewGuid()]),
            "bad-ref" => Task("second", 5, after: ["nobody"]),
            _ => Task("second", 5, after: ["second"]),
        };

        var error = await Assert.ThrowsAsync<InvalidTaskRequestException>(() => batch.Create(new CreateBatch(owner, [Task("first", 5), second])));

        Assert.Equal(kind is "foreign" or "unknown" ? "tasks[1].depends_on[0]" : "tasks[1].after[0]", error.Field);
        await AssertNothingCreatedAsync(owner, batch);
    }

    [Fact]
    public async Task A_task_refused_after_others_were_created_takes_them_back()
    {
        var owner = NewOwner();
        var batch = fixture.Grains.GetGrain<IBatchGrain>(Guid.NewGuid());
        var unreadable = new BatchTaskSpec("files", "files", ImmutableArray<IndexDocument>.Empty, new DirectorySource("/nowhere/at/all", "*.md"));

        var error = await Assert.ThrowsAsync<InvalidTaskRequestException>(() => batch.Create(new CreateBatch(owner, [Task("first", 5), unreadable])));

        Assert.StartsWith("tasks[1].", error.Field, StringComparison.Ordinal);
        await AssertNothingCreatedAsync(owner, batch);
    }

    private async System.Threading.Tasks.Task AssertNothingCreatedAsync(string owner, IBatchGrain batch)
    {
        Assert.Null(await batch.GetSnapshot());
        Assert.Empty((await fixture.Grains.GetGrain<IUserListGrain>(IUserListGrain.Batches(owner)).List(null, 10)).Ids);
        var history = await fixture.Grains.GetGrain<ITaskHistoryGrain>(0).List(new HistoryQuery(owner, null, null, null, null, null, 10));
        Assert.Empty(history.Items);
    }
}
