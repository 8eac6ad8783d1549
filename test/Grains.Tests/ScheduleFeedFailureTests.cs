using OrleansTasks.Testing;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// A schedule whose owner-feed publication fails: the change is held and published again by the
/// grain, and a deletion too, although a deleted schedule has nothing left to do and deactivates.
/// </summary>
[Collection(FaultClusterCollection.Name)]
public sealed class ScheduleFeedFailureTests(FaultClusterFixture fixture)
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_paused_schedules_deletion_whose_publication_failed_twice_reaches_its_owners_list_feed()
    {
        var owner = "u" + Guid.NewGuid().ToString("N")[..10];
        var scheduleId = Guid.NewGuid();
        var lists = TaskStreams.ForOwnerLists(owner);
        await using var feed = await FeedWatcher.StartAsync<IOwnerFeedItem>(fixture.Client, lists);
        var schedule = fixture.Client.GetGrain<IScheduleGrain>(scheduleId);
        var created = await schedule.Create(new CreateSchedule(owner, "hourly", new TaskTemplate("s" + Guid.NewGuid().ToString("N")[..12], Documents.Generate(3)),
            ScheduleTrigger.Interval(TimeSpan.FromHours(1)), Paused: true));
        await feed.WaitForAsync(item => item.ItemId == scheduleId, WaitLimit, "the schedule's creation on the owner's list feed");

        // A paused schedule has no run a list would wait for: the feed's copy of the deletion is the only one.
        var failure = fixture.Faults.FailPublishes(lists, times: 2);
        Assert.True(await schedule.Delete());
        Assert.Equal(1, failure.Injected);

        // The retry waits FeedRetry.Delay on the schedule's clock, which this fixture moves by hand.
        fixture.ScheduleClock.Advance(Tasks.FeedRetry.Delay);
        await Eventually.TrueAsync(() => failure.Done, WaitLimit, "the deletion's second publication (it fails too)");
        // The failure is injected before the grain notes it: a clock moved in between would leave the
        // third attempt waiting on a clock that stays still, so the clock moves on until it is made.
        await Eventually.TrueAsync(
            () =>
            {
                fixture.ScheduleClock.Advance(Tasks.FeedRetry.Delay);
                feed.DrainArrived();
                return feed.Received.Any(item => item.ItemId == scheduleId && item.IsTerminal);
            },
            WaitLimit,
            "the schedule's deletion, published at the third attempt");
        var deleted = (ScheduleSnapshot)feed.Received.Single(item => item.ItemId == scheduleId && item.IsTerminal);
        Assert.Equal(2, failure.Injected);
        Assert.True(deleted.Deleted);
        Assert.Equal(created.Seq + 1, deleted.Seq);
    }
}
