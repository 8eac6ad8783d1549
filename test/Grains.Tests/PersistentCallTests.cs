using Microsoft.Extensions.Time.Testing;
using OrleansTasks.Hosting;

namespace OrleansTasks.Grains.Tests;

public sealed class PersistentCallTests
{
    [Fact]
    public async Task A_failing_call_is_tried_again_with_doubling_waits_until_it_succeeds()
    {
        var time = new FakeTimeProvider();
        var calls = 0;
        var waits = new List<TimeSpan>();
        var run = PersistentCall.RunAsync(
            () => ++calls < 4 ? throw new TimeoutException("slow activation") : Task.CompletedTask,
            time,
            (attempt, failure, wait) =>
            {
                Assert.Equal(calls, attempt);
                Assert.IsType<TimeoutException>(failure);
                waits.Add(wait);
            },
            TestContext.Current.CancellationToken);

        foreach (var seconds in new[] { 1, 2, 4 })
        {
            Assert.False(run.IsCompleted, $"the call should still be waiting before the attempt after a {seconds} s wait");
            time.Advance(TimeSpan.FromSeconds(seconds));
        }

        await run.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Equal(4, calls);
        Assert.Equal([1, 2, 4], waits.Select(w => w.TotalSeconds));
    }

    [Fact]
    public async Task Waits_stop_growing_at_the_maximum()
    {
        var time = new FakeTimeProvider();
        var waits = new List<TimeSpan>();
        using var stop = new CancellationTokenSource();
        var run = PersistentCall.RunAsync(() => throw new InvalidOperationException("down"), time, (_, _, wait) => waits.Add(wait), stop.Token);

        for (var i = 0; i < 8; i++)
        {
            time.Advance(PersistentCall.MaxWait);
        }

        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Equal([1, 2, 4, 8, 16, 30, 30, 30, 30], waits.Select(w => w.TotalSeconds));
    }

    [Fact]
    public async Task A_stopping_silo_ends_the_waits_without_another_call()
    {
        var time = new FakeTimeProvider();
        var calls = 0;
        using var stop = new CancellationTokenSource();
        var run = PersistentCall.RunAsync(() => { calls++; throw new TimeoutException(); }, time, (_, _, _) => { }, stop.Token);

        await stop.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Equal(1, calls);
    }
}
