using Microsoft.Extensions.Time.Testing;
using OrleansTasks.Tasks;

namespace OrleansTasks.Grains.Tests;

/// <summary>Which slice call a task waits for, how it sizes slices and backs off, without a grain.</summary>
public sealed class SliceScheduleTests
{
    [Fact]
    public void One_slice_is_on_its_way_at_a_time_and_a_stale_call_does_nothing()
    {
        var time = new FakeTimeProvider();
        var slices = new SliceSchedule(time, TimeSpan.FromSeconds(15));

        var first = slices.Next();
        Assert.NotNull(first);
        Assert.Null(slices.Next());
        Assert.False(slices.Arrived(first.Value + 1));
        Assert.True(slices.Arrived(first.Value));
        Assert.False(slices.Arrived(first.Value));
        Assert.NotNull(slices.Next());
    }

    [Fact]
    public void A_slice_on_its_way_for_longer_than_the_lease_is_replaced_and_arrives_as_stale()
    {
        var time = new FakeTimeProvider();
        var slices = new SliceSchedule(time, TimeSpan.FromSeconds(15));
        var lost = slices.Next()!.Value;

        time.Advance(TimeSpan.FromSeconds(16));
        var replacement = slices.Next();

        Assert.NotNull(replacement);
        Assert.True(slices.ReplacedLost);
        Assert.False(slices.Arrived(lost));
        Assert.True(slices.Arrived(replacement.Value));
    }

    [Fact]
    public void Failures_back_off_exponentially_up_to_thirty_seconds_and_a_success_starts_again()
    {
        var slices = new SliceSchedule(new FakeTimeProvider(), TimeSpan.FromSeconds(15));

        var delays = Enumerable.Range(0, 7).Select(_ => slices.Failed().TotalSeconds).ToList();
        slices.Succeeded();

        Assert.Equal([1, 2, 4, 8, 16, 30, 30], delays);
        Assert.Equal(TimeSpan.FromSeconds(1), slices.Failed());
    }

    [Fact]
    public void A_slice_is_sized_to_take_about_the_budget_within_its_bounds()
    {
        var sizer = new SliceSizer(TimeSpan.FromMilliseconds(40), new TasksOptions().SlowDatabaseRoundTrip);
        Assert.Equal(16, sizer.NextCount());

        sizer.Record(16, TimeSpan.FromMilliseconds(16));
        Assert.Equal(40, sizer.NextCount());

        var fast = new SliceSizer(TimeSpan.FromMilliseconds(40), new TasksOptions().SlowDatabaseRoundTrip);
        fast.Record(100, TimeSpan.FromTicks(100));
        Assert.Equal(SliceSizer.MaxDocuments, fast.NextCount());

        var slow = new SliceSizer(TimeSpan.FromMilliseconds(40), new TasksOptions().SlowDatabaseRoundTrip);
        slow.Record(1, TimeSpan.FromSeconds(1));
        Assert.Equal(1, slow.NextCount());
    }
}
