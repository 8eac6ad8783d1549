using Microsoft.Extensions.Time.Testing;
using OrleansTasks.Tasks;

namespace OrleansTasks.Grains.Tests;

/// <summary>A running task's documents per second: smoothed, so that the time left does not jump.</summary>
public sealed class RateMeterTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-02T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    private static IndexTaskState Processing(int current) => new() { Status = IndexTaskStatus.Processing, Current = current, Total = 10_000 };

    [Fact]
    public void The_rate_is_unknown_until_two_positions_far_enough_apart_then_follows_a_steady_pace()
    {
        var meter = new RateMeter(_time);
        Assert.Null(meter.Observe(Processing(0)));
        _time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Null(meter.Observe(Processing(10)));
        _time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal(100, meter.Observe(Processing(20))!.Value, precision: 6);
        for (var second = 1; second <= 10; second++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            Assert.Equal(100, meter.Observe(Processing(20 + (second * 100)))!.Value, precision: 6);
        }
    }

    [Fact]
    public void A_sudden_change_of_pace_moves_the_rate_gradually()
    {
        var meter = new RateMeter(_time);
        meter.Observe(Processing(0));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(100, meter.Observe(Processing(100))!.Value, precision: 6);

        _time.Advance(TimeSpan.FromSeconds(1));
        var afterOne = meter.Observe(Processing(400))!.Value;

        // One second of 300 documents a second, with a 5 s time constant: about 18 % of the way.
        Assert.InRange(afterOne, 130, 140);
        Assert.Equal(27, TaskRates.EtaSeconds(IndexTaskStatus.Processing, 400, 4000, 135));
    }

    [Fact]
    public void An_ended_task_reports_its_runs_average_and_a_task_not_processing_has_none()
    {
        var meter = new RateMeter(_time);
        var started = _time.GetUtcNow();
        Assert.Null(meter.Observe(new IndexTaskState { Status = IndexTaskStatus.Pending, Total = 100 }));

        var ended = new IndexTaskState
        {
            Status = IndexTaskStatus.Completed, Current = 500, Total = 500, StartedAt = started, FinishedAt = started.AddSeconds(4),
        };

        Assert.Equal(125, meter.Observe(ended));
        Assert.Equal(0, TaskRates.EtaSeconds(ended.Status, 500, 500, 125));
        Assert.Null(TaskRates.EtaSeconds(IndexTaskStatus.Pending, 0, 500, 125));
    }
}
