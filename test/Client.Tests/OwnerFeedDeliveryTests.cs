using OrleansTasks.Feeds;
using OrleansTasks.Testing;

namespace OrleansTasks.Client.Tests;

/// <summary>The delivery rules of an owner feed's listener (docs/protocol.md §5).</summary>
public sealed class OwnerFeedDeliveryTests
{
    private static TaskSummary Change(Guid taskId, long seq, int progress, IndexTaskStatus status = IndexTaskStatus.Processing) =>
        TaskSnapshots.SummaryAt(taskId, seq, progress, status);

    private static List<TaskSummary> TakeAll(OwnerFeedDelivery delivery)
    {
        var taken = new List<TaskSummary>();
        while (delivery.TryTakeNext(out var next))
        {
            taken.Add(Assert.IsType<TaskSummary>(next));
        }

        return taken;
    }

    [Fact]
    public void Connected_comes_first_once_and_nothing_is_taken_before_the_start()
    {
        var delivery = new OwnerFeedDelivery();
        delivery.Queue(Change(Guid.NewGuid(), 1, 0));

        Assert.False(delivery.TryTakeFirst(out _));
        Assert.False(delivery.TryTakeNext(out _));
        delivery.Start(null);
        Assert.True(delivery.TryTakeFirst(out var first));
        Assert.Null(first);
        Assert.False(delivery.TryTakeFirst(out _));
        Assert.Single(TakeAll(delivery));
    }

    [Fact]
    public void A_listener_behind_gets_each_tasks_newest_change_in_the_order_tasks_first_changed()
    {
        var (a, b) = (Guid.NewGuid(), Guid.NewGuid());
        var delivery = Started();
        delivery.Queue(Change(a, 1, 0));
        delivery.Queue(Change(b, 1, 0));
        Assert.Equal(FeedDeliveryOutcome.Coalesced, delivery.Queue(Change(a, 2, 40)));
        delivery.Queue(Change(a, 3, 100, IndexTaskStatus.Completed));

        var taken = TakeAll(delivery);

        Assert.Equal([(a, 3L), (b, 1L)], taken.Select(c => (c.TaskId, c.Seq)));
    }

    [Fact]
    public void Duplicates_older_changes_progress_going_back_and_anything_after_an_end_are_dropped()
    {
        var task = Guid.NewGuid();
        var delivery = Started();
        delivery.Queue(Change(task, 5, 50));
        Assert.Single(TakeAll(delivery));

        Assert.Equal(FeedDeliveryOutcome.Dropped, delivery.Queue(Change(task, 5, 50)));
        Assert.Equal(FeedDeliveryOutcome.Dropped, delivery.Queue(Change(task, 4, 40)));
        Assert.Equal(FeedDeliveryOutcome.Dropped, delivery.Queue(Change(task, 6, 30)));
        Assert.Equal(FeedDeliveryOutcome.Queued, delivery.Queue(Change(task, 7, 30, IndexTaskStatus.Cancelled)));
        Assert.Single(TakeAll(delivery));
        Assert.Equal(FeedDeliveryOutcome.Dropped, delivery.Queue(Change(task, 8, 100, IndexTaskStatus.Completed)));
        Assert.Equal(FeedDeliveryOutcome.Dropped, delivery.Queue(Change(task, 7, 30, IndexTaskStatus.Cancelled)));
    }

    [Fact]
    public void An_end_replaces_pending_progress_and_is_never_replaced()
    {
        var task = Guid.NewGuid();
        var delivery = Started();
        delivery.Queue(Change(task, 2, 10));
        delivery.Queue(Change(task, 9, 100, IndexTaskStatus.Completed));

        Assert.Equal(FeedDeliveryOutcome.Dropped, delivery.Queue(Change(task, 10, 100)));
        var taken = Assert.Single(TakeAll(delivery));
        Assert.Equal(IndexTaskStatus.Completed, taken.Status);
    }

    [Fact]
    public void Ended_tasks_are_remembered_up_to_the_bound_so_memory_stays_flat()
    {
        var delivery = Started();
        var first = Guid.NewGuid();
        delivery.Queue(Change(first, 1, 100, IndexTaskStatus.Completed));
        for (var i = 0; i < OwnerFeedDelivery.EndedRemembered; i++)
        {
            delivery.Queue(Change(Guid.NewGuid(), 1, 100, IndexTaskStatus.Completed));
        }

        Assert.Equal(OwnerFeedDelivery.EndedRemembered + 1, TakeAll(delivery).Count);
        var recent = Guid.NewGuid();
        delivery.Queue(Change(recent, 1, 100, IndexTaskStatus.Completed));
        TakeAll(delivery);

        // The oldest end has been forgotten; the newest is still known.
        Assert.Equal(FeedDeliveryOutcome.Queued, delivery.Queue(Change(first, 1, 100, IndexTaskStatus.Completed)));
        Assert.Equal(FeedDeliveryOutcome.Dropped, delivery.Queue(Change(recent, 1, 100, IndexTaskStatus.Completed)));
    }

    [Fact]
    public void A_change_of_status_below_the_progress_already_sent_goes_out_with_that_progress()
    {
        var task = Guid.NewGuid();
        var delivery = Started();
        delivery.Queue(Change(task, 5, 50));
        TakeAll(delivery);

        // An activation resumed from an older checkpoint queues the task for a slot.
        Assert.Equal(FeedDeliveryOutcome.Queued, delivery.Queue(Change(task, 9, 40, IndexTaskStatus.Pending)));
        var resumed = Assert.Single(TakeAll(delivery));
        Assert.Equal((IndexTaskStatus.Pending, 50, 9L), (resumed.Status, resumed.Progress, resumed.Seq));
        Assert.Equal(FeedDeliveryOutcome.Dropped, delivery.Queue(Change(task, 10, 45, IndexTaskStatus.Pending)));
    }

    [Fact]
    public void A_batch_whose_progress_goes_back_when_a_source_task_is_counted_keeps_its_messages()
    {
        // Batch [A: 100 documents, B: a directory source]: A at 50 % while B counts is 50 %;
        // once B has counted 10,000 documents the batch is at 0 %, and it goes on from there.
        var (batchId, a, b) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        var delivery = Started();
        delivery.Queue(Batch(batchId, 2, Member(a, IndexTaskStatus.Processing, 50, 100), Member(b, IndexTaskStatus.Processing, 0, 0)));
        Assert.Equal(50, Assert.Single(TakeBatches(delivery)).Progress);

        var counted = Batch(batchId, 3, Member(a, IndexTaskStatus.Processing, 50, 100), Member(b, IndexTaskStatus.Processing, 0, 10_000));
        Assert.Equal(FeedDeliveryOutcome.Queued, delivery.Queue(counted));
        Assert.Equal((3L, 0), TakeBatches(delivery).Select(m => (m.Seq, m.Progress)).Single());

        var aDone = Batch(batchId, 4, Member(a, IndexTaskStatus.Completed, 100, 100), Member(b, IndexTaskStatus.Processing, 0, 10_000));
        Assert.Equal(FeedDeliveryOutcome.Queued, delivery.Queue(aDone));
        var taken = Assert.Single(TakeBatches(delivery));
        Assert.Equal((4L, 1, 1), (taken.Seq, taken.Rollup.Tasks.Completed, taken.Rollup.Tasks.Processing));
        Assert.Equal(FeedDeliveryOutcome.Dropped, delivery.Queue(counted));
    }

    private static GroupTask Member(Guid taskId, IndexTaskStatus status, int current, int total) =>
        new(taskId, null, status, current, total, new TaskCounts(current, 0, 0), 1);

    private static BatchSnapshot Batch(Guid batchId, long seq, params GroupTask[] tasks) => new()
    {
        BatchId = batchId,
        OwnerId = "user:alice",
        Rollup = TaskGroupProgress.Of(tasks),
        Message = "Indexing",
        Seq = seq,
        Tasks = [],
        CreatedAt = DateTimeOffset.UnixEpoch,
        UpdatedAt = DateTimeOffset.UnixEpoch,
    };

    private static List<BatchSnapshot> TakeBatches(OwnerFeedDelivery delivery)
    {
        var taken = new List<BatchSnapshot>();
        while (delivery.TryTakeNext(out var next))
        {
            taken.Add(Assert.IsType<BatchSnapshot>(next));
        }

        return taken;
    }

    private static OwnerFeedDelivery Started()
    {
        var delivery = new OwnerFeedDelivery();
        delivery.Start(null);
        Assert.True(delivery.TryTakeFirst(out _));
        return delivery;
    }
}
