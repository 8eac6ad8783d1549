using Microsoft.Extensions.Time.Testing;
using OrleansTasks.Tasks;
using TaskSnapshots = OrleansTasks.Testing.TaskSnapshots;

namespace OrleansTasks.Grains.Tests;

/// <summary>A change the owner feeds could not take is held again and goes out at the next flush.</summary>
public sealed class FeedThrottleFailureTests
{
    [Fact]
    public void A_failed_end_is_held_again_and_due_after_the_interval_or_the_retry_delay_whichever_is_longer()
    {
        var time = new FakeTimeProvider();
        var throttle = new FeedThrottle<TaskSummary>(time, FeedRetry.Delay * 2);
        var task = Guid.NewGuid();
        var end = TaskSnapshots.SummaryAt(task, 4, 100, IndexTaskStatus.Completed);
        Assert.True(throttle.Offer(end));

        throttle.Failed(end);

        Assert.Equal(FeedRetry.Delay * 2, throttle.HeldFor);
        time.Advance(FeedRetry.Delay);
        Assert.Null(throttle.TakeDue());
        time.Advance(FeedRetry.Delay);
        Assert.Same(end, throttle.TakeDue());
        Assert.Null(throttle.HeldFor);
    }

    [Fact]
    public void With_no_interval_as_a_schedules_a_failed_change_waits_the_retry_delay_each_time_it_fails()
    {
        var time = new FakeTimeProvider();
        var throttle = new FeedThrottle<TaskSummary>(time, TimeSpan.Zero);
        var change = TaskSnapshots.SummaryAt(Guid.NewGuid(), 3, 0, IndexTaskStatus.Pending);
        Assert.True(throttle.Offer(change));

        for (var attempt = 0; attempt < 3; attempt++)
        {
            throttle.Failed(change);
            Assert.Equal(FeedRetry.Delay, throttle.HeldFor);
            Assert.Null(throttle.TakeDue());
            time.Advance(FeedRetry.Delay - TimeSpan.FromMilliseconds(1));
            Assert.Null(throttle.TakeDue());
            time.Advance(TimeSpan.FromMilliseconds(1));
            Assert.Same(change, throttle.TakeDue());
        }

        // Once a publication succeeds, the next change goes out at once again.
        Assert.True(throttle.Offer(TaskSnapshots.SummaryAt(change.TaskId, 4, 0, IndexTaskStatus.Processing)));
        Assert.Null(throttle.HeldFor);
    }

    [Fact]
    public void A_failure_does_not_replace_a_newer_change_held_meanwhile()
    {
        var time = new FakeTimeProvider();
        var throttle = new FeedThrottle<TaskSummary>(time, TimeSpan.FromMilliseconds(500));
        var task = Guid.NewGuid();
        var older = TaskSnapshots.SummaryAt(task, 2, 10);
        Assert.True(throttle.Offer(older));
        Assert.False(throttle.Offer(TaskSnapshots.SummaryAt(task, 3, 20)));

        throttle.Failed(older);
        time.Advance(FeedRetry.Delay);

        Assert.Equal(3, throttle.TakeDue()!.Seq);
    }
}
