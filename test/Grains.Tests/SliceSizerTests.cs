using OrleansTasks.Tasks;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// How a task sizes its slices, over simulated slices that cost fixed round trips plus a time per
/// document: the documents' part aims at the budget, and a slow database's slices never shrink but
/// grow while their documents cost little beside the round trips.
/// </summary>
public sealed class SliceSizerTests
{
    private static readonly TimeSpan Budget = TimeSpan.FromMilliseconds(40);
    private static readonly TimeSpan PerDocument = TimeSpan.FromMilliseconds(0.1);

    [Fact]
    public void The_first_slice_is_small_and_then_the_documents_of_a_slice_take_about_the_budget()
    {
        var sizer = new SliceSizer(Budget);
        Assert.Equal(16, sizer.NextCount());
        sizer.Record(16, Cost(16, TimeSpan.FromMilliseconds(3)));

        var sizes = Run(sizer, 10, TimeSpan.FromMilliseconds(3));

        // 40 ms at 0.1 ms a document is 400, a quarter below and above in turn.
        Assert.All(sizes.Skip(2), size => Assert.InRange(size, 300, 500));
        Assert.InRange(sizes.Skip(2).Average(), 350, 450);
        Assert.False(sizer.DatabaseSlow);
    }

    [Fact]
    public void Added_latency_mid_run_grows_the_slices_and_says_the_database_is_slow_and_healing_brings_them_back()
    {
        var sizer = new SliceSizer(Budget);
        Run(sizer, 10, TimeSpan.FromMilliseconds(3));

        foreach (var roundTrips in new[] { TimeSpan.FromMilliseconds(600), TimeSpan.FromSeconds(3) })
        {
            var sizes = Run(sizer, 10, roundTrips);

            Assert.All(sizes, size => Assert.InRange(size, 225, SliceSizer.MaxDocuments));
            Assert.Equal(SliceSizer.MaxDocuments, sizes.Max());
            Assert.True(sizer.DatabaseSlow, $"{roundTrips} of round trips a slice are not slow");
            Assert.InRange(sizer.LastFixedCost.TotalMilliseconds, roundTrips.TotalMilliseconds - 5, roundTrips.TotalMilliseconds + 5);
        }

        // The first slice after the heal was sized while the database was slow.
        var healed = Run(sizer, 6, TimeSpan.FromMilliseconds(3));
        Assert.False(sizer.DatabaseSlow);
        Assert.All(healed.Skip(1), size => Assert.InRange(size, 300, 500));
    }

    [Fact]
    public void A_task_that_starts_on_a_slow_database_finds_the_cost_of_its_documents_within_a_few_slices()
    {
        var sizer = new SliceSizer(Budget);

        var sizes = Run(sizer, 12, TimeSpan.FromSeconds(1));

        Assert.Equal([16, 4], sizes[..2]);
        Assert.All(sizes.Skip(2), size => Assert.InRange(size, 225, SliceSizer.MaxDocuments));
        Assert.Equal(SliceSizer.MaxDocuments, sizes.TakeLast(2).Max());
        Assert.True(sizer.DatabaseSlow);
    }

    [Fact]
    public void Documents_whose_cost_is_lost_in_the_jitter_of_the_round_trips_grow_slices_up_to_the_bound()
    {
        var sizer = new SliceSizer(Budget);
        var jitter = new[] { 7, -4, 2, -6, 5, -1, 3, -7, 6, 0 };

        // Round trips of 600 ± 7 ms hide documents that cost 1 µs each.
        var sizes = new List<int>();
        for (var slice = 0; slice < 30; slice++)
        {
            var size = sizer.NextCount();
            sizes.Add(size);
            sizer.Record(size, TimeSpan.FromMilliseconds(600 + jitter[slice % jitter.Length]) + (size * TimeSpan.FromMicroseconds(1)));
        }

        Assert.All(sizes, size => Assert.InRange(size, 1, SliceSizer.MaxDocuments));
        Assert.True(sizes.Skip(15).All(size => size >= SliceSizer.MaxDocuments * 3 / 4), $"slices stayed small: {string.Join(", ", sizes)}");
    }

    [Fact]
    public void Documents_that_take_longer_than_the_budget_each_go_one_at_a_time_and_are_no_slow_database()
    {
        var sizer = new SliceSizer(Budget);
        sizer.NextCount();
        sizer.Record(16, 16 * TimeSpan.FromSeconds(1));

        Assert.Equal(4, sizer.NextCount());
        sizer.Record(4, 4 * TimeSpan.FromSeconds(1));
        Assert.Equal(1, sizer.NextCount());
        sizer.Record(1, TimeSpan.FromSeconds(1));
        Assert.Equal(1, sizer.NextCount());
        Assert.False(sizer.DatabaseSlow);
    }

    /// <summary>The sizes of <paramref name="slices"/> slices, each costing <paramref name="roundTrips"/> plus its documents.</summary>
    private static List<int> Run(SliceSizer sizer, int slices, TimeSpan roundTrips)
    {
        var sizes = new List<int>();
        for (var slice = 0; slice < slices; slice++)
        {
            var size = sizer.NextCount();
            sizes.Add(size);
            sizer.Record(size, Cost(size, roundTrips));
        }

        return sizes;
    }

    private static TimeSpan Cost(int documents, TimeSpan roundTrips) => roundTrips + (documents * PerDocument);
}
