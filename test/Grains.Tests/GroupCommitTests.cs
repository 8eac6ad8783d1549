using OrleansTasks.Storage;
using OrleansTasks.Testing;

namespace OrleansTasks.Grains.Tests;

public sealed class GroupCommitTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private static Task Within(Task task, string waitingFor) => Deadline.WaitAsync(task, Wait, waitingFor);

    private static bool RetryNever(Exception failure) => false;

    [Fact]
    public async Task An_item_added_while_nothing_is_written_is_written_at_once_and_alone()
    {
        var groups = new List<IReadOnlyList<int>>();
        await using var commit = new GroupCommit<int>((items, _) => { groups.Add(items); return Task.CompletedTask; }, 10, RetryNever);

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
        }, 10, RetryNever);

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
        }, 3, RetryNever);

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
        }, 10, RetryNever);

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
        }, 10, RetryNever);

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
        }, 10, RetryNever);
        using var giveUp = new CancellationTokenSource();

        var abandoned = commit.AddAsync(1, giveUp.Token);
        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);
        release.SetResult();
        await Within(commit.AddAsync(2), "the next item to be written");

        Assert.Equal([1, 2], written);
    }

    [Fact]
    public async Task A_group_refused_for_one_item_is_written_again_item_by_item_and_only_that_item_fails()
    {
        var started = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        var written = new List<int>();
        await using var commit = new GroupCommit<int>(async (items, _) =>
        {
            if (items.Contains(0))
            {
                started.TrySetResult();
                await release.Task;
            }

            if (items.Contains(13))
            {
                throw new ArgumentException("row 13 is too long for its column");
            }

            written.AddRange(items);
        }, 10, failure => failure is ArgumentException);

        var first = commit.AddAsync(0);
        await Within(started.Task, "the first write to start");
        var grouped = new[] { 11, 12, 13, 14 }.Select(item => (Item: item, Written: commit.AddAsync(item))).ToArray();
        release.SetResult();
        await Within(first, "the first write");

        foreach (var (item, added) in grouped)
        {
            if (item == 13)
            {
                await Assert.ThrowsAsync<ArgumentException>(() => Within(added, "the refused item to fail"));
            }
            else
            {
                await Within(added, $"item {item} to be written alone");
            }
        }

        Assert.Equal([0, 11, 12, 14], written);
    }

    [Fact]
    public async Task A_failure_every_item_would_meet_fails_the_group_at_once()
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
                return;
            }

            throw new TimeoutException("the store does not answer");
        }, 10, failure => failure is not TimeoutException);

        var first = commit.AddAsync(0);
        await Within(started.Task, "the first write to start");
        var grouped = Enumerable.Range(1, 5).Select(item => commit.AddAsync(item)).ToArray();
        release.SetResult();
        await Within(first, "the first write");

        foreach (var added in grouped)
        {
            await Assert.ThrowsAsync<TimeoutException>(() => Within(added, "the group to fail"));
        }

        Assert.Equal(2, writes);
    }
}
