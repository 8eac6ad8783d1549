using OrleansTasks.Tasks;
using OrleansTasks.Testing;

namespace OrleansTasks.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class DependencyTests(ClusterFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    private static string NewCollection() => "d" + Guid.NewGuid().ToString("N")[..12];

    private async Task<(Guid Id, IndexTaskSnapshot Accepted)> StartAsync(int documents, string owner = "alice", params Guid[] dependsOn)
    {
        var id = Guid.NewGuid();
        var accepted = await fixture.Grains.GetGrain<IIndexTaskGrain>(id)
            .Start(new StartIndexTask(owner, NewCollection(), Documents.Generate(documents, wordsPerDocument: 60), DependsOn: [.. dependsOn]));
        return (id, accepted);
    }

    private async Task<IndexTaskSnapshot> SnapshotAsync(Guid id) => (await fixture.Grains.GetGrain<IIndexTaskGrain>(id).GetSnapshot())!;

    [Fact]
    public async Task A_diamond_runs_every_task_after_all_it_depends_on_and_rolls_up_as_a_chain()
    {
        // Big enough that b and c cannot have run before d is accepted.
        var a = await StartAsync(6000);
        var b = await StartAsync(300, dependsOn: a.Id);
        var c = await StartAsync(300, dependsOn: a.Id);
        var d = await StartAsync(100, dependsOn: [b.Id, c.Id]);
        await using var watcher = await TaskWatcher.StartAsync(fixture.Client, d.Id);

        var end = await watcher.WaitForTerminalAsync(Deadline);
        var (aEnd, bEnd, cEnd) = (await SnapshotAsync(a.Id), await SnapshotAsync(b.Id), await SnapshotAsync(c.Id));
        var chain = (await fixture.Grains.GetGrain<ITaskChainGrain>(d.Id).GetChain())!;

        Assert.Equal(IndexTaskStatus.Waiting, b.Accepted.Status);
        Assert.Equal(IndexTaskStatus.Waiting, d.Accepted.Status);
        Assert.Equal([b.Id, c.Id], d.Accepted.DependsOn);
        Assert.Equal([b.Id, c.Id], d.Accepted.AwaitedDependencies);
        Assert.Equal("Waiting for 2 tasks to complete", d.Accepted.Message);
        Assert.Equal(IndexTaskStatus.Completed, end.Status);
        Assert.True(bEnd.StartedAt >= aEnd.FinishedAt && cEnd.StartedAt >= aEnd.FinishedAt, "b or c started before a finished");
        Assert.True(end.StartedAt >= bEnd.FinishedAt && end.StartedAt >= cEnd.FinishedAt, "d started before b and c finished");
        var statuses = watcher.Received.Select(e => e.Status).Distinct().ToList();
        Assert.Equal([IndexTaskStatus.Pending, IndexTaskStatus.Processing, IndexTaskStatus.Completed], statuses.Where(s => s != IndexTaskStatus.Waiting));
        Assert.Equal(4, chain.Tasks.Length);
        Assert.Equal(IndexTaskStatus.Completed, chain.Rollup.Status);
        Assert.Equal(6700, chain.Rollup.Total);
        Assert.Equal(new TaskCounts(6700, 0, 0), chain.Rollup.Documents);
    }

    [Fact]
    public async Task Cancelling_the_middle_of_a_chain_cancels_what_follows_it_and_not_what_it_follows()
    {
        var first = await StartAsync(3000);
        var middle = await StartAsync(100, dependsOn: first.Id);
        var last = await StartAsync(100, dependsOn: middle.Id);
        await using var lastWatcher = await TaskWatcher.StartAsync(fixture.Client, last.Id);
        await using var firstWatcher = await TaskWatcher.StartAsync(fixture.Client, first.Id);

        var outcome = await fixture.Grains.GetGrain<IIndexTaskGrain>(middle.Id).Cancel(CancelledBy.User("alice"));
        var lastEnd = await lastWatcher.WaitForTerminalAsync(Deadline);
        var firstEnd = await firstWatcher.WaitForTerminalAsync(Deadline);
        var chain = (await fixture.Grains.GetGrain<ITaskChainGrain>(last.Id).GetChain())!;

        Assert.Equal(CancelOutcome.Cancelled, outcome);
        Assert.Equal("user:alice", (await SnapshotAsync(middle.Id)).CancelledBy);
        Assert.Equal(IndexTaskStatus.Cancelled, lastEnd.Status);
        Assert.Equal($"dependency:{middle.Id}", lastEnd.CancelledBy);
        Assert.Contains(middle.Id.ToString(), lastEnd.Message, StringComparison.Ordinal);
        Assert.Null(lastEnd.StartedAt);
        Assert.Equal(IndexTaskStatus.Completed, firstEnd.Status);
        Assert.Equal(IndexTaskStatus.Cancelled, chain.Rollup.Status);
        Assert.Equal(new TaskStatusCounts(0, 0, 0, 1, 0, 2), chain.Rollup.Tasks);
    }

    [Fact]
    public async Task A_task_whose_dependency_already_completed_starts_at_once()
    {
        var done = await StartAsync(20);
        await Eventually.TrueAsync(async () => (await SnapshotAsync(done.Id)).Status == IndexTaskStatus.Completed);

        var next = await StartAsync(20, dependsOn: done.Id);
        await Eventually.TrueAsync(async () => (await SnapshotAsync(next.Id)).Status == IndexTaskStatus.Completed);

        Assert.NotEqual(IndexTaskStatus.Waiting, next.Accepted.Status);
        Assert.Empty(next.Accepted.AwaitedDependencies);
        Assert.Equal([done.Id], next.Accepted.DependsOn);
    }

    [Fact]
    public async Task Unknown_foreign_repeated_and_self_dependencies_are_refused_and_nothing_is_created()
    {
        var bobs = await StartAsync(5, owner: "bob");
        var alices = await StartAsync(5);
        var selfId = Guid.NewGuid();
        var cases = new (Guid Id, Guid[] DependsOn, string Expected)[]
        {
            (Guid.NewGuid(), [Guid.NewGuid()], "does not exist"),
            (Guid.NewGuid(), [bobs.Id], "does not exist"),
            (Guid.NewGuid(), [alices.Id, alices.Id], "more than once"),
            (selfId, [selfId], "itself"),
        };

        foreach (var (id, dependsOn, expected) in cases)
        {
            var grain = fixture.Grains.GetGrain<IIndexTaskGrain>(id);
            var error = await Assert.ThrowsAsync<InvalidTaskRequestException>(() =>
                grain.Start(new StartIndexTask("alice", NewCollection(), Documents.Generate(3), DependsOn: [.. dependsOn])));

            Assert.Equal("depends_on", error.Field);
            Assert.Contains(expected, error.Message, StringComparison.Ordinal);
            Assert.Null(await grain.GetSnapshot());
        }
    }

    [Fact]
    public async Task A_repeated_end_notification_changes_nothing()
    {
        var quick = await StartAsync(10);
        var slow = await StartAsync(3000);
        var waiting = await StartAsync(10, dependsOn: [quick.Id, slow.Id]);
        await Eventually.TrueAsync(async () => (await SnapshotAsync(waiting.Id)).AwaitedDependencies is [var only] && only == slow.Id);
        var before = await SnapshotAsync(waiting.Id);
        var quickEnd = await SnapshotAsync(quick.Id);

        var follower = fixture.Grains.GetGrain<ITaskFollower>(fixture.Grains.GetGrain<IIndexTaskGrain>(waiting.Id).GetGrainId());
        for (var i = 0; i < 3; i++)
        {
            await follower.OnTaskEnded(quickEnd);
        }

        var after = await SnapshotAsync(waiting.Id);
        await fixture.Grains.GetGrain<IIndexTaskGrain>(slow.Id).Cancel(CancelledBy.User("alice"));
        await Eventually.TrueAsync(async () => (await SnapshotAsync(waiting.Id)).IsTerminal);

        Assert.Equal(IndexTaskStatus.Waiting, after.Status);
        Assert.Equal(before.Seq, after.Seq);
        Assert.Equal([slow.Id], after.AwaitedDependencies);
        Assert.Equal($"dependency:{slow.Id}", (await SnapshotAsync(waiting.Id)).CancelledBy);
    }

    [Fact]
    public async Task A_waiting_task_cancelled_by_its_user_ends_at_once_and_its_dependency_runs_on()
    {
        var dependency = await StartAsync(2000);
        var waiting = await StartAsync(10, dependsOn: dependency.Id);

        var outcome = await fixture.Grains.GetGrain<IIndexTaskGrain>(waiting.Id).Cancel(CancelledBy.User("alice"));
        var cancelled = await SnapshotAsync(waiting.Id);
        await Eventually.TrueAsync(async () => (await SnapshotAsync(dependency.Id)).Status == IndexTaskStatus.Completed, Deadline);

        Assert.Equal(CancelOutcome.Cancelled, outcome);
        Assert.Equal(IndexTaskStatus.Cancelled, cancelled.Status);
        Assert.Equal("user:alice", cancelled.CancelledBy);
        Assert.Equal(CancelOutcome.AlreadyEnded, await fixture.Grains.GetGrain<IIndexTaskGrain>(waiting.Id).Cancel(CancelledBy.User("alice")));
    }

    [Fact]
    public async Task A_failed_dependency_fails_its_dependants_down_the_chain_naming_it()
    {
        var dependency = await StartAsync(3000);
        var middle = await StartAsync(10, dependsOn: dependency.Id);
        var last = await StartAsync(10, dependsOn: middle.Id);
        await using var watcher = await TaskWatcher.StartAsync(fixture.Client, last.Id);

        // The end of the dependency as a failed task reports it; the chain takes it from there.
        var failed = (await SnapshotAsync(dependency.Id)) with
        {
            Status = IndexTaskStatus.Failed,
            Error = new TaskError("index_unavailable", "Indexing failed."),
        };
        var follower = fixture.Grains.GetGrain<ITaskFollower>(fixture.Grains.GetGrain<IIndexTaskGrain>(middle.Id).GetGrainId());
        await follower.OnTaskEnded(failed);
        var lastEnd = await watcher.WaitForTerminalAsync(Deadline);
        var middleEnd = await SnapshotAsync(middle.Id);
        await fixture.Grains.GetGrain<IIndexTaskGrain>(dependency.Id).Cancel(CancelledBy.User("alice"));

        Assert.Equal(IndexTaskStatus.Failed, middleEnd.Status);
        Assert.Equal(TaskErrors.DependencyFailedCode, middleEnd.Error!.Code);
        Assert.Equal(dependency.Id, middleEnd.Error.DependencyId);
        Assert.Contains(dependency.Id.ToString(), middleEnd.Message, StringComparison.Ordinal);
        Assert.Equal(IndexTaskStatus.Failed, lastEnd.Status);
        Assert.Equal(middle.Id, lastEnd.Error!.DependencyId);
        Assert.Equal(-1, lastEnd.Progress);
    }
}
