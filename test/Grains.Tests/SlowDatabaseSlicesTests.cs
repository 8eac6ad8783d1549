using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using OrleansTasks.Storage;
using OrleansTasks.Tasks;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// What a task that starts while the database is slow begins with: the slice size the silo's other tasks of
/// its budget last asked for, and only while the database is known slow now.
/// </summary>
public sealed class SlowDatabaseSlicesTests
{
    private static readonly TimeSpan Stored = new TasksOptions().SliceBudget;
    private static readonly TimeSpan Source = new TasksOptions().SourceSliceBudget;
    private static readonly TimeSpan Slow = new TasksOptions().SlowDatabaseRoundTrip;

    [Fact]
    public void Nothing_is_recalled_before_a_task_asks_against_a_slow_database()
    {
        Assert.Null(new SlowDatabaseSlices(new FakeTimeProvider()).Recall(Stored));
    }

    [Fact]
    public void The_last_size_asked_is_recalled_while_fresh_and_then_forgotten()
    {
        var time = new FakeTimeProvider();
        var slices = new SlowDatabaseSlices(time);

        slices.Remember(Stored, 500);
        slices.Remember(Stored, 1000);
        time.Advance(SlowDatabaseSlices.Fresh);
        Assert.Equal(1000, slices.Recall(Stored));

        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Null(slices.Recall(Stored));

        slices.Remember(Stored, 250);
        Assert.Equal(250, slices.Recall(Stored));
    }

    [Fact]
    public void Tasks_of_stored_documents_and_of_streaming_sources_keep_sizes_of_their_own()
    {
        var slices = new SlowDatabaseSlices(new FakeTimeProvider());

        slices.Remember(Stored, 500);
        Assert.Null(slices.Recall(Source));

        slices.Remember(Source, 2000);
        Assert.Equal((500, 2000), (slices.Recall(Stored), slices.Recall(Source)));
    }

    [Fact]
    public void A_size_below_one_document_is_refused()
    {
        var slices = new SlowDatabaseSlices(new FakeTimeProvider());

        Assert.Throws<ArgumentOutOfRangeException>(() => slices.Remember(Stored, 0));
        Assert.Null(slices.Recall(Stored));
    }

    [Fact]
    public void The_database_is_slow_now_only_while_its_newest_round_trip_is_recent_and_the_fresh_ones_slow()
    {
        var time = new FakeTimeProvider();
        using var roundTrips = new DatabaseRoundTrips(time, NullLogger<DatabaseRoundTrips>.Instance);
        Assert.False(roundTrips.SlowNow(Slow));

        roundTrips.Add(TimeSpan.FromSeconds(1));
        Assert.False(roundTrips.SlowNow(Slow));
        roundTrips.Add(TimeSpan.FromSeconds(1));
        Assert.True(roundTrips.SlowNow(Slow));

        // Measuring stopped (no slice was slow for a while), its round trips still fresh: the database may have healed.
        time.Advance(DatabaseRoundTrips.Current + TimeSpan.FromMilliseconds(1));
        Assert.NotNull(roundTrips.Recent);
        Assert.False(roundTrips.SlowNow(Slow));

        // One quick round trip among the slow ones: not slow.
        roundTrips.Add(TimeSpan.FromMilliseconds(2));
        Assert.False(roundTrips.SlowNow(Slow));
    }
}
