using Microsoft.Extensions.Time.Testing;
using OrleansTasks.Feeds;
using OrleansTasks.Testing;

namespace OrleansTasks.Client.Tests;

/// <summary>
/// Which items an owner feed reads back for their silence (docs/protocol.md §5): busy tasks after
/// the silence timeout, idle ones after six times that, and a schedule only once its next run is
/// overdue or while occurrences wait in its queue — never merely because it is followed.
/// </summary>
public sealed class KnownItemsTests
{
    private static readonly TimeSpan Silence = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-03T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    private ScheduleSnapshot Schedule(DateTimeOffset? nextRunAt, int queued = 0) => new()
    {
        ScheduleId = Guid.NewGuid(),
        OwnerId = "user:alice",
        Name = "hourly",
        Collection = "docs",
        Trigger = ScheduleTrigger.Interval(TimeSpan.FromHours(1)),
        Missed = MissedRunPolicy.RunOnce,
        Overlap = OverlapPolicy.Queue,
        Paused = nextRunAt is null,
        NextRunAt = nextRunAt,
        RecentRuns = [],
        Runs = 0,
        Skipped = 0,
        Queued = queued,
        CreatedAt = _time.GetUtcNow(),
        UpdatedAt = _time.GetUtcNow(),
        Seq = 1,
    };

    [Fact]
    public void A_followed_schedule_whose_next_run_is_ahead_or_that_is_paused_is_never_read_back_for_its_silence()
    {
        var known = new KnownItems(_time);
        known.Take(Schedule(_time.GetUtcNow().AddHours(1)));
        known.Take(Schedule(nextRunAt: null));

        _time.Advance(TimeSpan.FromMinutes(59));

        Assert.False(known.AnySilent(Silence));
        Assert.Empty(known.TakeSilent(Silence, 10));
        Assert.Equal(2, known.Schedules(10).Count);
    }

    [Fact]
    public void A_schedule_is_read_back_once_its_next_run_is_overdue_by_the_silence_timeout_and_then_every_silence_timeout()
    {
        var known = new KnownItems(_time);
        var schedule = Schedule(_time.GetUtcNow().AddMinutes(1));
        known.Take(schedule);

        _time.Advance(TimeSpan.FromMinutes(1) + Silence - TimeSpan.FromSeconds(1));
        Assert.False(known.AnySilent(Silence));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal([schedule], known.TakeSilent(Silence, 10));
        Assert.False(known.AnySilent(Silence));
        _time.Advance(Silence);
        Assert.True(known.AnySilent(Silence));

        // Its run started: the change names the next run, an hour ahead.
        known.Take(schedule with { Seq = 2, NextRunAt = _time.GetUtcNow().AddHours(1) });
        _time.Advance(TimeSpan.FromMinutes(30));
        Assert.False(known.AnySilent(Silence));
    }

    [Fact]
    public void A_schedule_with_queued_occurrences_is_read_back_after_six_times_the_silence_timeout()
    {
        var known = new KnownItems(_time);
        var schedule = Schedule(_time.GetUtcNow().AddHours(1), queued: 1);
        known.Take(schedule);

        _time.Advance(Silence * 6 - TimeSpan.FromSeconds(1));
        Assert.False(known.AnySilent(Silence));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal([schedule], known.TakeSilent(Silence, 10));
    }

    [Fact]
    public void Busy_tasks_are_read_back_after_the_silence_timeout_and_waiting_ones_after_six_times_that()
    {
        var known = new KnownItems(_time);
        var running = TaskSnapshots.SummaryAt(Guid.NewGuid(), 3, 40);
        var waiting = TaskSnapshots.SummaryAt(Guid.NewGuid(), 1, 0, IndexTaskStatus.Waiting);
        known.Take(running);
        known.Take(waiting);

        _time.Advance(Silence);
        Assert.Equal([running], known.TakeSilent(Silence, 10));
        _time.Advance(Silence * 5);
        Assert.Equal([waiting], known.TakeSilent(Silence, 10).Where(item => item.ItemId == waiting.TaskId));
        Assert.Empty(known.Schedules(10));
    }
}
