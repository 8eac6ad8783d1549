using Microsoft.Extensions.Time.Testing;
using OrleansTasks.Tasks;

namespace OrleansTasks.Grains.Tests;

/// <summary>The waits between failed calls: half a second, doubling to a cap, jittered upwards, back to the first after a success.</summary>
public sealed class RetryBackoffTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));

    private static TimeSpan Ms(double milliseconds) => TimeSpan.FromMilliseconds(milliseconds);

    /// <summary>How long <see cref="RetryBackoff.WaitAsync"/> takes on the fake clock, to the millisecond.</summary>
    private TimeSpan Waited(RetryBackoff backoff)
    {
        var wait = backoff.WaitAsync();
        var waited = TimeSpan.Zero;
        while (!wait.IsCompleted)
        {
            Assert.True(waited < TimeSpan.FromMinutes(1), "the wait to end within a minute");
            _time.Advance(Ms(1));
            waited += Ms(1);
        }

        return waited;
    }

    [Fact]
    public void Successive_failures_wait_half_a_second_doubling_to_four_seconds()
    {
        var backoff = new RetryBackoff(_time, () => 0);

        Assert.Equal([Ms(500), Ms(1000), Ms(2000), Ms(4000), Ms(4000), Ms(4000)], Enumerable.Range(0, 6).Select(_ => Waited(backoff)));
    }

    [Fact]
    public void Each_wait_is_lengthened_by_up_to_a_quarter_at_random()
    {
        var halfway = new RetryBackoff(_time, () => 0.5);
        var most = new RetryBackoff(_time, () => 0.999_999);

        Assert.Equal([Ms(562.5), Ms(1125), Ms(2250), Ms(4500), Ms(4500)], Enumerable.Range(0, 5).Select(_ => halfway.Next()));
        Assert.All(Enumerable.Range(0, 6).Select(_ => most.Next()), wait => Assert.InRange(wait, RetryBackoff.First, RetryBackoff.Cap * 1.25));
    }

    [Fact]
    public void A_success_brings_the_next_failures_wait_back_to_the_first()
    {
        var backoff = new RetryBackoff(_time, () => 0);
        _ = Enumerable.Range(0, 5).Select(_ => Waited(backoff)).ToList();

        backoff.Succeeded();

        Assert.Equal([Ms(500), Ms(1000)], [Waited(backoff), Waited(backoff)]);
    }
}
