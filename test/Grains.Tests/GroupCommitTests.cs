using OrleansTasks.Storage;
using OrleansTasks.Testing;

namespace OrleansTasks.Grains.Tests;

public sealed class GroupCommitTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private static Task Within(Task task, string waitingFor) => Deadline.WaitAsync(task, Wait, waitingFor);

    [Fact]
    public async Task An_item_added_while_nothing_is_written_is_written_at_once_and_alone()
    {
        var groups = new List<IReadOnlyList<int>>();
        await using var commit = new GroupCommit<int>((items, _) => { groups.Add(items); return Task.CompletedTask; }, 10);

        await Within(commit.AddAsync(1), "the item to be written");

        Assert.Equal([1], Assert.Single(groups));
    }

    [Fact]
    public async Task Items_added_during_a_write_go_together_in_the_next_in_order()
    {
        var groups = new List<IReadOnlyList<int>>();
        var firstWriteStarted = new TaskCompletionSource();
        var releaseFirstWrite = new TaskCompletionSource();
        await using var commit = new GroupCommit<int>(async (items, _) =>
        {
            groups.Add(items);
            if (groups.Count == 1)
            {
                firstWriteStarted.SetResult();
                await releaseFirstWrite.Task;
            }
        }, 10);

        var first = commit.AddAsync(0);
        await Deadline.WaitAsync(firstWriteStarted.Task, Wait, "the first write to start");
        var waiting = Enumerable.Range(1, 5).Select(item => commit.AddAsync(item)).ToArray();
        Assert.All(waiting, task => Assert.False(task.IsCompleted));
        releaseFirstWrite.SetResult();
        await Within(Task.WhenAll([first, .. waiting]), "every item to be written");

        Assert.Equal(2, groups.Count);
        Assert.Equal([1, 2, 3, 4, 5], groups[1]);
    }

    [Fact]
    public async Task A_write_takes_at_most_the_group_size()
    {
        var groups = new List<IReadOnlyList<int>>();
        var release = new TaskCompletionSource();
        await using var commit = new GroupCommit<int>(async (items, _) =>
        {
            groups.Add(items);
            await release.Task;
        }, 3);

        var added = Enumerable.Range(0, 8).Select(item => commit.AddAsync(item)).ToArray();
        release.SetResult();
        await Within(Task.WhenAll(added), "every item to be written");

        Assert.All(groups, group => Assert.InRange(group.Count, 1, 3));
        Assert.Equal(Enumerable.Range(0, 8), groups.SelectMany(group => group));
    }

    [Fact]
    public async Task A_failed_write_fails_its_own_items_only()
    {
        var started = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        var writes = 0;
        await using var commit = new GroupCommit<int>(async (items, _) =>
        {
            if (Interlocked.Increment(ref writes) == 1)
            {
                started.SetResult();
                await release.Task;
                throw new InvalidOperationException("the database refused the write");
            }
        }, 10);

        var failing = commit.AddAsync(1);
        await Within(started.Task, "the first write to start");
        var next = commit.AddAsync(2);
        release.SetResult();

        var exception = await Assert.ThrowsAsync<InvalidOperationException>(() => Within(failing, "the failed write"));
        Assert.Equal("the database refused the write", exception.Message);
        await Within(next, "the next write");
    }

    [Fact]
    public async Task Disposing_writes_what_was_added_and_then_refuses_more()
    {
        var written = new List<int>();
        var release = new TaskCompletionSource();
        var commit = new GroupCommit<int>(async (items, _) =>
        {
            await release.Task;
            written.AddRange(items);
        }, 10);

        var added = new[] { commit.AddAsync(1), commit.AddAsync(2) };
        var disposed = commit.DisposeAsync().AsTask();
        release.SetResult();
        await Within(disposed, "the disposal to write what was added");

        await Within(Task.WhenAll(added), "every item to be written");
        Assert.Equal([1, 2], written);
        Assert.Throws<ObjectDisposedException>(() => { _ = commit.AddAsync(3); });
    }

    [Fact]
    public async Task A_caller_that_gives_up_does_not_take_the_write_with_it()
    {
        var release = new TaskCompletionSource();
        var written = new List<int>();
        await using var commit = new GroupCommit<int>(async (items, _) =>
        {
            await release.Task;
            written.AddRange(items);
        }, 10);
        using var giveUp = new CancellationTokenSource();

        var abandoned = commit.AddAsync(1, giveUp.Token);
        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);
        release.SetResult();
        await Within(commit.AddAsync(2), "the next item to be written");

        Assert.Equal([1, 2], written);
    }
}
