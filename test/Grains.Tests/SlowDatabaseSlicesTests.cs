using Microsoft.Extensions.Time.Testing;
using OrleansTasks.Tasks;

namespace OrleansTasks.Grains.Tests;

/// <summary>The slice size a silo's tasks settled on against a slow database, for a task that starts meanwhile.</summary>
public sealed class SlowDatabaseSlicesTests
{
    [Fact]
    public void Nothing_is_recalled_before_a_task_settles_on_a_size()
    {
        Assert.Null(new SlowDatabaseSlices(new FakeTimeProvider()).Recall());
    }

    [Fact]
    public void The_last_size_remembered_is_recalled_while_fresh_and_then_forgotten()
    {
        var time = new FakeTimeProvider();
        var slices = new SlowDatabaseSlices(time);

        slices.Remember(500);
        slices.Remember(1000);
        time.Advance(SlowDatabaseSlices.Fresh);
        Assert.Equal(1000, slices.Recall());

        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Null(slices.Recall());

        slices.Remember(250);
        Assert.Equal(250, slices.Recall());
    }

    [Fact]
    public void A_size_below_one_document_is_refused()
    {
        var slices = new SlowDatabaseSlices(new FakeTimeProvider());

        Assert.Throws<ArgumentOutOfRangeException>(() => slices.Remember(0));
        Assert.Null(slices.Recall());
    }
}
