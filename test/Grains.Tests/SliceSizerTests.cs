using OrleansTasks.Storage;
using OrleansTasks.Tasks;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// How a task sizes its slices, over simulated slices that cost fixed round trips plus a time per
/// document, each told the database's round trip as <see cref="DatabaseRoundTrips"/> measures it:
/// slices take about the budget, whatever slows them, unless the database's round trip is slow;
/// then they grow while their documents cost little beside the round trips, and halve when one
/// takes far longer than its round trips.
/// </summary>
public sealed class SliceSizerTests
{
    private static readonly TimeSpan Budget = TimeSpan.FromMilliseconds(40);
    private static readonly TimeSpan PerDocument = TimeSpan.FromMilliseconds(0.1);
    private static readonly TimeSpan Healthy = TimeSpan.FromMilliseconds(1);
    private static readonly TimeSpan Slow = new TasksOptions().SlowDatabaseRoundTrip;

    [Fact]
    public void The_first_slice_is_small_and_then_a_slice_takes_about_the_budget()
    {
        var sizer = new SliceSizer(Budget, Slow);

        var sizes = Run(sizer, 12, TimeSpan.FromMilliseconds(2), Healthy);

        Assert.Equal(16, sizes[0]);

        // 40 ms at 0.1 ms a document and 2 ms of round trips: 380 documents.
        Assert.All(sizes.Skip(6), size => Assert.InRange(size, 360, 400));
        Assert.False(sizer.DatabaseSlow);
    }

    [Fact]
    public void A_processor_too_busy_to_run_the_silo_never_grows_the_slices()
    {
        // Starved, a slice takes a second whatever it carries (its continuations wait for a
        // processor) and five times as long per document, while the database, measured on a
        // thread of its own, answers in milliseconds. The slices shrink to what the budget allows.
        var sizer = new SliceSizer(Budget, Slow);
        var sizes = new List<int>();
        var jitter = new[] { 300, -200, 700, 0, -400, 900, 100, -100 };
        for (var slice = 0; slice < 40; slice++)
        {
            var size = sizer.NextCount();
            sizes.Add(size);
            var elapsed = TimeSpan.FromMilliseconds(1000 + jitter[slice % jitter.Length]) + (size * 5 * PerDocument);
            sizer.Record(size, elapsed, TimeSpan.FromMilliseconds(3 + (slice % 5 * 10)));
            Assert.False(sizer.DatabaseSlow, $"slice {slice} of {size} documents in {elapsed} was taken for a slow database");
        }

        Assert.All(sizes.Skip(1), size => Assert.InRange(size, 1, 16));
        Assert.Equal(1, sizes[^1]);
    }

    [Fact]
    public void Slow_slices_without_a_measured_round_trip_are_no_slow_database()
    {
        // In memory, or before two round trips were measured: the slice's time alone decides, as when starved.
        var sizer = new SliceSizer(Budget, Slow);

        var sizes = Run(sizer, 10, TimeSpan.FromMilliseconds(600), roundTrip: null);

        Assert.All(sizes.Skip(1), size => Assert.InRange(size, 1, 16));
        Assert.False(sizer.DatabaseSlow);
    }

    [Fact]
    public void Added_latency_mid_run_grows_the_slices_and_says_the_database_is_slow_and_healing_brings_them_back()
    {
        var sizer = new SliceSizer(Budget, Slow);
        Run(sizer, 10, TimeSpan.FromMilliseconds(2), Healthy);

        foreach (var latency in new[] { TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1) })
        {
            // Round trips of the index's statement and of opening its connection.
            var sizes = Run(sizer, 12, 2 * latency, latency);

            Assert.True(sizer.DatabaseSlow, $"{latency} of latency is not a slow database");
            Assert.True(sizes.Zip(sizes.Skip(1)).All(pair => pair.Second >= pair.First), $"slices shrank: {string.Join(", ", sizes)}");
            Assert.Equal(SliceSizer.MaxDocuments, sizes[^1]);
        }

        // The first slice after the heal was sized while the database was slow.
        var healed = Run(sizer, 12, TimeSpan.FromMilliseconds(2), Healthy);
        Assert.False(sizer.DatabaseSlow);
        Assert.All(healed.Skip(8), size => Assert.InRange(size, 360, 400));
    }

    [Fact]
    public void A_round_trip_is_slow_from_the_threshold_it_is_given()
    {
        // Tasks:SlowDatabaseRoundTrip at 300 ms: 200 ms round trips are a database far away, not a slow one.
        var patient = new SliceSizer(Budget, TimeSpan.FromMilliseconds(300));
        var sizes = Run(patient, 8, TimeSpan.FromMilliseconds(400), TimeSpan.FromMilliseconds(200));

        Assert.False(patient.DatabaseSlow);
        Assert.All(sizes.Skip(1), size => Assert.InRange(size, 1, 16));

        Run(patient, 2, TimeSpan.FromMilliseconds(600), TimeSpan.FromMilliseconds(300));
        Assert.True(patient.DatabaseSlow);
    }

    [Fact]
    public void A_task_that_starts_on_a_slow_database_doubles_its_slices_from_the_first_measured_round_trip()
    {
        var sizer = new SliceSizer(Budget, Slow);

        // Not measured yet for two slices, as while the measuring thread takes its first two round trips.
        var sizes = Run(sizer, 2, TimeSpan.FromSeconds(2), roundTrip: null);
        sizes.AddRange(Run(sizer, 12, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1)));

        Assert.Equal([16, 1, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2000], sizes);
        Assert.True(sizer.DatabaseSlow);
    }

    [Fact]
    public void A_task_started_at_the_size_others_settled_on_against_a_slow_database_asks_it_first_and_grows_from_there()
    {
        // Without it, the previous test: 16 documents, then a doubling a slice, at 1 s of latency half a minute of slices to reach 2,000.
        var sizer = new SliceSizer(Budget, Slow);
        sizer.StartAt(1000);

        var sizes = Run(sizer, 3, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1));

        Assert.Equal([1000, 2000, 2000], sizes);
        Assert.True(sizer.DatabaseSlow);
    }

    [Fact]
    public void A_task_started_at_a_slow_database_s_size_on_a_database_that_healed_returns_to_the_budget()
    {
        var sizer = new SliceSizer(Budget, Slow);
        sizer.StartAt(1000);

        var sizes = Run(sizer, 10, TimeSpan.FromMilliseconds(2), Healthy);

        Assert.Equal(1000, sizes[0]);
        Assert.False(sizer.DatabaseSlow);
        Assert.All(sizes.Skip(6), size => Assert.InRange(size, 360, 400));
    }

    [Fact]
    public void A_task_started_at_a_size_whose_first_slice_is_cut_short_keeps_that_size()
    {
        // Resumed 20 documents before the end of a stored chunk: the first slice carries 20 of the 1,000 asked.
        var sizer = new SliceSizer(Budget, Slow);
        sizer.StartAt(1000);

        sizer.Record(20, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1), requested: sizer.NextCount());

        Assert.True(sizer.DatabaseSlow);
        Assert.Equal(1000, sizer.NextCount());
    }

    [Fact]
    public void A_task_started_at_a_size_too_large_for_its_documents_halves_after_its_first_slice()
    {
        // Others' small documents settled on 2,000; this task's take 10 ms each: 20 s, far past eight 1 s round trips.
        var sizer = new SliceSizer(Budget, Slow);
        sizer.StartAt(2000);

        sizer.Record(2000, TimeSpan.FromSeconds(2) + (2000 * TimeSpan.FromMilliseconds(10)), TimeSpan.FromSeconds(1), requested: 2000);

        Assert.True(sizer.DatabaseSlow);
        Assert.Equal(1000, sizer.NextCount());
    }

    [Fact]
    public void A_sizer_starts_at_a_count_only_before_its_first_slice_and_within_its_bounds()
    {
        var sizer = new SliceSizer(Budget, Slow);
        sizer.StartAt(1_000_000);
        Assert.Equal(SliceSizer.MaxDocuments, sizer.NextCount());
        sizer.StartAt(0);
        Assert.Equal(1, sizer.NextCount());

        sizer.Record(1, TimeSpan.FromMilliseconds(1), Healthy);

        Assert.Throws<InvalidOperationException>(() => sizer.StartAt(500));
    }

    [Fact]
    public void A_slice_cut_short_does_not_shrink_a_slow_database_s_slices()
    {
        // A slice carries fewer documents than asked at the end of a stored chunk (a slice never crosses
        // one), at the content cap, or when most of a source's entries are unreadable. Taken for a trial
        // of its size, a cut slice followed by a full one looked like a doubling that did not pay, and
        // the size fell back to the cut slice's: 10 documents a slice.
        var expensive = TimeSpan.FromMilliseconds(2);
        var sizer = new SliceSizer(Budget, Slow);
        Run(sizer, 1, TimeSpan.FromMilliseconds(2), Healthy);
        var asked = new List<int>();
        for (var slice = 0; slice < 16; slice++)
        {
            var size = sizer.NextCount();
            asked.Add(size);
            var carried = slice is 5 or 10 ? 10 : size;
            sizer.Record(carried, TimeSpan.FromMilliseconds(400) + (carried * expensive), TimeSpan.FromMilliseconds(200), requested: size);
        }

        // As without cuts (see the next test): 177, 354, 708 did not pay, then 354 holds and 708 is tried
        // again, one slice later than there: the cut slice was no slice at the size held.
        Assert.Equal([177, 354, 708, 354, 354, 354, 354, 354, 708], asked[..9]);
        Assert.All(asked.Skip(1), size => Assert.True(size >= 354, $"a slice was asked at {size}: {string.Join(", ", asked)}"));
        Assert.True(sizer.DatabaseSlow);
    }

    [Fact]
    public void Growing_stops_once_the_documents_cost_about_as_much_as_the_round_trips_and_is_tried_again_now_and_then()
    {
        var sizer = new SliceSizer(Budget, Slow);
        var expensive = TimeSpan.FromMilliseconds(2);
        Run(sizer, 1, TimeSpan.FromMilliseconds(2), Healthy);

        var sizes = new List<int>();
        for (var slice = 0; slice < 20; slice++)
        {
            var size = sizer.NextCount();
            sizes.Add(size);
            sizer.Record(size, TimeSpan.FromMilliseconds(400) + (size * expensive), TimeSpan.FromMilliseconds(200));
        }

        // 400 ms of round trips: 708 documents (1.8 s) cost more than half as much again as 354 (1.1 s).
        Assert.Equal([177, 354, 708, 354, 354, 354, 354, 708, 354], sizes[..9]);
        Assert.Equal(708, sizes.Max());
        Assert.True(sizer.DatabaseSlow);
    }

    [Fact]
    public void Jitter_of_the_round_trips_does_not_stop_the_growing()
    {
        var sizer = new SliceSizer(Budget, Slow);
        var jitter = new[] { 150, -150, 100, -100, 180, -180 };

        // Round trips of 400 ± 180 ms: some doublings look dear, and are tried again.
        var sizes = new List<int>();
        for (var slice = 0; slice < 60; slice++)
        {
            var size = sizer.NextCount();
            sizes.Add(size);
            sizer.Record(size, TimeSpan.FromMilliseconds(400 + jitter[slice % jitter.Length]) + (size * PerDocument), TimeSpan.FromMilliseconds(200));
        }

        Assert.All(sizes.TakeLast(10), size => Assert.Equal(SliceSizer.MaxDocuments, size));
    }

    [Fact]
    public void A_slow_database_s_slices_whose_documents_grew_expensive_halve_until_they_take_about_their_round_trips_again()
    {
        // 200 ms round trips, two a slice: the slices grew to the most while documents cost 0.1 ms each.
        var sizer = new SliceSizer(Budget, Slow);
        var grown = Run(sizer, 12, TimeSpan.FromMilliseconds(400), TimeSpan.FromMilliseconds(200));
        Assert.Equal(SliceSizer.MaxDocuments, grown[^1]);

        // Then each document costs 8 ms (large ones, or a processor starved on top): 2,000 took 16 s
        // a slice, and the grain answered reads and cancellation only that often.
        var expensive = TimeSpan.FromMilliseconds(8);
        var bound = Budget + (SliceSizer.SlowSliceRoundTrips * TimeSpan.FromMilliseconds(200));
        var sizes = new List<int>();
        var took = new List<TimeSpan>();
        for (var slice = 0; slice < 15; slice++)
        {
            var size = sizer.NextCount();
            var elapsed = TimeSpan.FromMilliseconds(400) + (size * expensive);
            sizes.Add(size);
            took.Add(elapsed);
            sizer.Record(size, elapsed, TimeSpan.FromMilliseconds(200), requested: size);
        }

        // 125 documents take 1.4 s, within 40 ms and eight round trips (1.64 s); doubling is tried again
        // now and then, and 250 (2.4 s) halves again.
        Assert.Equal([2000, 1000, 500, 250, 125, 125, 125, 125, 250, 125, 125, 125, 125, 250, 125], sizes);
        Assert.All(took.Skip(4).Where((_, i) => sizes[i + 4] == 125), elapsed => Assert.True(elapsed <= bound, $"a kept slice took {elapsed}"));
        Assert.True(sizer.DatabaseSlow);
    }

    [Fact]
    public void A_slow_database_s_slice_cut_short_by_large_documents_that_took_too_long_halves_what_it_carried()
    {
        var sizer = new SliceSizer(Budget, Slow);
        Run(sizer, 12, TimeSpan.FromMilliseconds(400), TimeSpan.FromMilliseconds(200));
        Assert.Equal(SliceSizer.MaxDocuments, sizer.NextCount());

        // Documents of 100 KiB that take 100 ms each: the content cap cuts a slice at 40 of them, 4.4 s.
        // A cut slice is no trial of its size, but one this long halves from what it carried.
        var asked = new List<int>();
        for (var slice = 0; slice < 6; slice++)
        {
            var size = sizer.NextCount();
            asked.Add(size);
            var carried = Math.Min(size, 40);
            sizer.Record(carried, TimeSpan.FromMilliseconds(400) + (carried * TimeSpan.FromMilliseconds(100)), TimeSpan.FromMilliseconds(200), requested: size);
        }

        Assert.Equal([2000, 20, 10, 10, 10, 10], asked);
        Assert.True(sizer.DatabaseSlow);
    }

    [Fact]
    public void Documents_that_take_longer_than_the_budget_each_go_one_at_a_time_and_are_no_slow_database()
    {
        var sizer = new SliceSizer(Budget, Slow);
        sizer.NextCount();
        sizer.Record(16, 16 * TimeSpan.FromSeconds(1), Healthy);
        sizer.Record(1, TimeSpan.FromSeconds(1), Healthy);

        Assert.Equal(1, sizer.NextCount());
        Assert.False(sizer.DatabaseSlow);
    }

    [Fact]
    public void A_quick_slice_is_no_slow_database_whatever_the_last_round_trips_took()
    {
        // The measurement can lag the database's healing by a few seconds; a slice quicker than a slow round trip did not wait on one.
        var sizer = new SliceSizer(Budget, Slow);
        Run(sizer, 4, TimeSpan.FromMilliseconds(400), TimeSpan.FromMilliseconds(200));
        Assert.True(sizer.DatabaseSlow);

        sizer.Record(sizer.NextCount(), TimeSpan.FromMilliseconds(30), TimeSpan.FromMilliseconds(200));

        Assert.False(sizer.DatabaseSlow);
    }

    /// <summary>The sizes of <paramref name="slices"/> slices, each costing <paramref name="roundTrips"/> plus its documents.</summary>
    private static List<int> Run(SliceSizer sizer, int slices, TimeSpan roundTrips, TimeSpan? roundTrip)
    {
        var sizes = new List<int>();
        for (var slice = 0; slice < slices; slice++)
        {
            var size = sizer.NextCount();
            sizes.Add(size);
            sizer.Record(size, roundTrips + (size * PerDocument), roundTrip);
        }

        return sizes;
    }
}
