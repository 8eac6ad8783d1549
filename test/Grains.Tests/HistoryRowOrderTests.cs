using OrleansTasks.History;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// Which of two rows of one task's history is newer: the higher <c>seq</c>, then the later change. A
/// new activation of an unfinished task continues above every <c>seq</c> the one before it could use,
/// so a row of a stale activation (a silo paused past its declared death) never replaces its successor's.
/// </summary>
public sealed class HistoryRowOrderTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 5, 6, 0, 0, TimeSpan.Zero);
    private static readonly Guid TaskId = Guid.NewGuid();

    private static TaskSummary Row(long seq, int current, int milliseconds) =>
        new(TaskId, "order", "rows", IndexTaskStatus.Processing, current, current, 100, $"at {current}", Start, Start.AddMilliseconds(milliseconds), null) { Seq = seq };

    [Fact]
    public void A_higher_seq_is_newer_whatever_the_times_and_at_one_seq_the_later_change()
    {
        Assert.True(HistoryRows.Supersedes(Row(seq: 9, current: 10, milliseconds: 5), Row(seq: 4, current: 60, milliseconds: 5)));
        Assert.True(HistoryRows.Supersedes(Row(seq: 9, current: 10, milliseconds: 1), Row(seq: 4, current: 60, milliseconds: 5)));
        Assert.False(HistoryRows.Supersedes(Row(seq: 4, current: 60, milliseconds: 5), Row(seq: 9, current: 10, milliseconds: 5)));
        Assert.False(HistoryRows.Supersedes(Row(seq: 4, current: 60, milliseconds: 9), Row(seq: 9, current: 10, milliseconds: 5)));
        Assert.True(HistoryRows.Supersedes(Row(seq: 4, current: 60, milliseconds: 6), Row(seq: 4, current: 50, milliseconds: 5)));
        Assert.False(HistoryRows.Supersedes(Row(seq: 4, current: 50, milliseconds: 5), Row(seq: 4, current: 60, milliseconds: 6)));
        Assert.False(HistoryRows.Supersedes(Row(seq: 4, current: 50, milliseconds: 5), Row(seq: 4, current: 50, milliseconds: 5)));
    }

    [Fact]
    public void At_one_seq_and_change_time_only_a_row_that_says_something_else_is_newer()
    {
        // Counting a source's documents ends with a total and a message, recorded at the next checkpoint, before any publish moves the seq.
        var counted = Row(seq: 4, current: 50, milliseconds: 5) with { Total = 120, Message = "Indexing 50/120" };

        Assert.True(HistoryRows.Supersedes(counted, Row(seq: 4, current: 50, milliseconds: 5)));
        Assert.False(HistoryRows.Supersedes(counted with { }, counted));
    }

    [Fact]
    public async Task In_memory_a_stale_activations_row_never_replaces_its_successors_even_when_it_comes_later()
    {
        var history = new InMemoryTaskHistory();
        await history.RecordAsync(Row(seq: 40, current: 30, milliseconds: 5), CancellationToken.None);
        await history.RecordAsync(Row(seq: 12, current: 20, milliseconds: 5), CancellationToken.None);
        await history.RecordAsync(Row(seq: 13, current: 25, milliseconds: 8), CancellationToken.None);

        var row = Assert.Single((await history.ListAsync(new HistoryQuery("order"), CancellationToken.None)).Items);
        Assert.Equal((40L, 30), (row.Seq, row.Current));
    }

    [Fact]
    public void Of_one_tasks_rows_written_together_the_newest_by_seq_goes()
    {
        var latest = PostgresTaskHistory.LatestPerTask([
            Row(seq: 41, current: 31, milliseconds: 5),
            Row(seq: 12, current: 20, milliseconds: 9),
            Row(seq: 41, current: 32, milliseconds: 6),
            Row(seq: 40, current: 30, milliseconds: 7)]);

        var row = Assert.Single(latest);
        Assert.Equal((41L, 32), (row.Seq, row.Current));
    }
}
