using Microsoft.Extensions.Time.Testing;
using OrleansTasks.Tasks;
using TaskSnapshots = OrleansTasks.Testing.TaskSnapshots;

namespace OrleansTasks.Grains.Tests;

/// <summary>Which changes of a task go on the owner feeds: first, status changes, the end, progress twice a second.</summary>
public sealed class FeedThrottleTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);
    private readonly FakeTimeProvider _time = new();
    private readonly Guid _task = Guid.NewGuid();

    [Fact]
    public void The_first_change_status_changes_and_the_end_go_at_once_progress_once_an_interval()
    {
        var throttle = new FeedThrottle<TaskSummary>(_time, Interval);

        Assert.True(throttle.Offer(TaskSnapshots.SummaryAt(_task, 1, 0, IndexTaskStatus.Pending)));
        Assert.True(throttle.Offer(TaskSnapshots.SummaryAt(_task, 2, 0)));
        Assert.False(throttle.Offer(TaskSnapshots.SummaryAt(_task, 3, 10)));
        _time.Advance(TimeSpan.FromMilliseconds(499));
        Assert.False(throttle.Offer(TaskSnapshots.SummaryAt(_task, 4, 20)));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(throttle.Offer(TaskSnapshots.SummaryAt(_task, 5, 30)));
        Assert.True(throttle.Offer(TaskSnapshots.SummaryAt(_task, 6, 100, IndexTaskStatus.Completed)));
        Assert.Null(throttle.HeldFor);
    }

    [Fact]
    public void Held_back_progress_is_due_after_the_interval_and_taken_once()
    {
        var throttle = new FeedThrottle<TaskSummary>(_time, Interval);
        throttle.Offer(TaskSnapshots.SummaryAt(_task, 1, 0));
        throttle.Offer(TaskSnapshots.SummaryAt(_task, 2, 10));
        throttle.Offer(TaskSnapshots.SummaryAt(_task, 3, 20));

        Assert.Equal(Interval, throttle.HeldFor);
        Assert.Null(throttle.TakeDue());
        _time.Advance(Interval);
        Assert.Equal(TimeSpan.Zero, throttle.HeldFor);
        Assert.Equal(3, throttle.TakeDue()!.Seq);
        Assert.Null(throttle.TakeDue());
        Assert.Null(throttle.HeldFor);
    }

    [Fact]
    public void A_change_at_or_below_what_was_sent_is_not_sent_again()
    {
        var throttle = new FeedThrottle<TaskSummary>(_time, Interval);
        Assert.True(throttle.Offer(TaskSnapshots.SummaryAt(_task, 5, 50, IndexTaskStatus.Completed)));
        Assert.False(throttle.Offer(TaskSnapshots.SummaryAt(_task, 5, 50, IndexTaskStatus.Completed)));
        Assert.Null(throttle.HeldFor);
    }
}
