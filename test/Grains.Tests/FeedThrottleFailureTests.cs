using Microsoft.Extensions.Time.Testing;
using OrleansTasks.Tasks;
using TaskSnapshots = OrleansTasks.Testing.TaskSnapshots;

namespace OrleansTasks.Grains.Tests;

/// <summary>A change the owner feeds could not take is held again and goes out at the next flush.</summary>
public sealed class FeedThrottleFailureTests
{
    [Fact]
    public void A_failed_end_is_held_again_and_due_after_the_interval()
    {
        var time = new FakeTimeProvider();
        var throttle = new FeedThrottle<TaskSummary>(time, TimeSpan.FromMilliseconds(500));
        var task = Guid.NewGuid();
        var end = TaskSnapshots.SummaryAt(task, 4, 100, IndexTaskStatus.Completed);
        Assert.True(throttle.Offer(end));

        throttle.Failed(end);

        Assert.Equal(TimeSpan.FromMilliseconds(500), throttle.HeldFor);
        Assert.Null(throttle.TakeDue());
        time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Same(end, throttle.TakeDue());
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
        time.Advance(TimeSpan.FromMilliseconds(500));

        Assert.Equal(3, throttle.TakeDue()!.Seq);
    }
}
