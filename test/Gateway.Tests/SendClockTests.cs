using Microsoft.Extensions.Time.Testing;
using OrleansTasks.Gateway.WebSockets;

namespace OrleansTasks.Gateway.Tests;

public sealed class SendClockTests
{
    [Fact]
    public void A_send_in_progress_is_stalled_for_as_long_as_the_watch_has_seen_it()
    {
        var time = new FakeTimeProvider();
        var clock = new SendClock();
        Assert.Equal(TimeSpan.Zero, clock.Stalled(time, time.GetTimestamp()));

        clock.Started();
        Assert.Equal(TimeSpan.Zero, clock.Stalled(time, time.GetTimestamp()));
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(TimeSpan.FromSeconds(4), clock.Stalled(time, time.GetTimestamp()));
        time.Advance(TimeSpan.FromSeconds(7));
        Assert.Equal(TimeSpan.FromSeconds(11), clock.Stalled(time, time.GetTimestamp()));
    }

    [Fact]
    public void Sends_that_complete_between_looks_never_add_up()
    {
        var time = new FakeTimeProvider();
        var clock = new SendClock();
        for (var i = 0; i < 5; i++)
        {
            clock.Started();
            Assert.Equal(TimeSpan.Zero, clock.Stalled(time, time.GetTimestamp()));
            clock.Finished();
            clock.Started();
            time.Advance(TimeSpan.FromSeconds(3));
        }

        // Each look saw a different send in progress: none has been stuck.
        Assert.Equal(TimeSpan.Zero, clock.Stalled(time, time.GetTimestamp()));
        clock.Finished();
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(TimeSpan.Zero, clock.Stalled(time, time.GetTimestamp()));
    }
}
