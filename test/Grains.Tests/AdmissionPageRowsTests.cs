using OrleansTasks.Admission;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// The rows of the admission queue's pages against what the pages hold: a grant writes no page, a task that
/// left the line never comes back from a row still listing it, and saves are numbered past every row read.
/// </summary>
public sealed class AdmissionPageRowsTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);

    private static AdmissionPlace Place(int arrival) =>
        new() { Ticket = new AdmissionTicket(Guid.NewGuid(), "alice", TaskPriority.Normal, Start.AddSeconds(arrival)), Silo = "silo-a" };

    private static AdmissionPage Page(long save, params AdmissionPlace[] places) => new() { Places = [.. places], Save = save };

    private static bool Nobody(Guid taskId) => false;

    /// <summary>Stored pages of <paramref name="size"/> holding <paramref name="count"/> waiting tasks.</summary>
    private static (AdmissionPages Pages, List<Guid> Ids) Stored(int size, int count)
    {
        var pages = new AdmissionPages(size);
        List<Guid> ids = [.. Enumerable.Range(0, count).Select(_ => Guid.NewGuid())];
        foreach (var id in ids)
        {
            pages.Changed(id, waiting: true);
        }

        pages.Saved();
        return (pages, ids);
    }

    [Fact]
    public void A_task_granted_a_slot_leaves_its_page_without_a_write()
    {
        var (pages, ids) = Stored(size: 4, count: 3);

        pages.Changed(ids[0], waiting: false);

        Assert.False(pages.Settle(id => id == ids[0], Nobody, save: 2));
        Assert.Empty(pages.Dirty);
        Assert.Empty(pages.Ended);
        Assert.Null(pages.PageOf(ids[0]));
    }

    [Fact]
    public void A_task_that_leaves_the_index_while_its_row_lists_it_is_named_ended_until_the_row_is_written()
    {
        var (pages, ids) = Stored(size: 4, count: 3);
        pages.Changed(ids[0], waiting: false);
        pages.Settle(id => id == ids[0], Nobody, save: 2);
        pages.Saved();

        // It ends: the index that stops listing it names it ended at that save, and no row is written for it.
        Assert.True(pages.Settle(Nobody, id => id == ids[0], save: 3));
        Assert.Equal(new Dictionary<Guid, long> { [ids[0]] = 3 }, pages.Ended);
        Assert.Empty(pages.Dirty);
        pages.Saved();

        // Named once: a later save keeps the number it ended at.
        Assert.False(pages.Settle(Nobody, Nobody, save: 4));
        Assert.Equal(3, pages.Ended[ids[0]]);

        // A new task comes onto its page: that write drops its copy, and the index no longer needs to name it.
        var next = Guid.NewGuid();
        pages.Changed(next, waiting: true);
        Assert.Equal(0, pages.PageOf(next));
        Assert.False(pages.Settle(Nobody, Nobody, save: 5));
        Assert.Equal([0], pages.Dirty);
        pages.Saved();
        Assert.Empty(pages.Ended);
    }

    [Fact]
    public void A_task_granted_and_ended_between_two_saves_of_the_index_has_its_row_written()
    {
        // The stored index never listed it holding a slot: only its row says where it is, and that row is written.
        var (pages, ids) = Stored(size: 4, count: 3);
        pages.Changed(ids[1], waiting: false);

        Assert.False(pages.Settle(Nobody, Nobody, save: 2));
        Assert.Equal([0], pages.Dirty);
        Assert.Empty(pages.Ended);
    }

    [Fact]
    public void More_than_a_page_of_ended_tasks_has_their_rows_written()
    {
        var (pages, ids) = Stored(size: 2, count: 6);
        var granted = new[] { ids[0], ids[2], ids[4] };
        foreach (var id in granted)
        {
            pages.Changed(id, waiting: false);
        }

        pages.Settle(granted.Contains, Nobody, save: 2);
        pages.Saved();

        pages.Settle(Nobody, granted.Contains, save: 3);

        Assert.Equal(3, pages.Ended.Count);
        Assert.Equal([0, 1, 2], pages.Dirty);
        pages.Saved();
        Assert.Empty(pages.Ended);
    }

    [Fact]
    public void A_dropped_page_takes_its_ended_names_with_it()
    {
        // Pages {a, w} and {b, c}: a, b and c are granted; b and c end; their page, empty, is dropped as a ends.
        var (pages, ids) = Stored(size: 2, count: 4);
        var (a, b, c) = (ids[0], ids[2], ids[3]);
        HashSet<Guid> granted = [a, b, c];
        foreach (var id in granted)
        {
            pages.Changed(id, waiting: false);
        }

        pages.Settle(granted.Contains, Nobody, save: 2);
        pages.Saved();
        pages.Settle(id => id == a, granted.Contains, save: 3);
        pages.Saved();
        Assert.Equal(new[] { b, c }.Order(), pages.Ended.Keys.Order());

        Assert.True(pages.Shrink());
        Assert.True(pages.Settle(Nobody, granted.Contains, save: 4));
        Assert.Equal([a], pages.Ended.Keys);
        Assert.Empty(pages.Dirty);
    }

    [Fact]
    public void A_task_that_leaves_while_it_waits_is_named_ended_when_the_index_is_written_anyway()
    {
        var (pages, ids) = Stored(size: 4, count: 3);
        pages.Changed(ids[1], waiting: false);

        Assert.True(pages.Settle(Nobody, Nobody, save: 2, indexWritten: true));
        Assert.Equal([ids[1]], pages.Ended.Keys);
        Assert.Empty(pages.Dirty);
    }

    [Fact]
    public void A_task_named_ended_that_queues_again_is_no_longer_named()
    {
        var (pages, ids) = Stored(size: 4, count: 2);
        pages.Changed(ids[0], waiting: false);
        pages.Settle(Nobody, id => id == ids[0], save: 2);
        pages.Saved();
        Assert.Contains(ids[0], pages.Ended.Keys);

        Assert.False(pages.Settle(id => id == ids[0], Nobody, save: 3));
        Assert.Empty(pages.Ended);
    }

    [Fact]
    public void Loading_drops_a_task_named_ended_from_rows_written_no_later_and_keeps_a_copy_written_after()
    {
        // x ended at save 5 and queued again, its new copy written at save 6; y ended at save 5 and its row still lists it.
        var (x, y, waiting) = (Place(1), Place(2), Place(3));
        var index = new AdmissionQueueState { Pages = 2, Saves = 5, Ended = { [x.TaskId] = 5, [y.TaskId] = 5 } };
        AdmissionPage[] stored = [Page(5, x, y, waiting), Page(6, x)];

        var (queue, pages) = AdmissionPages.Load(index, stored, size: 4);

        Assert.Equal([waiting.TaskId, x.TaskId], queue.Waiting.Keys);
        Assert.Equal(1, pages.PageOf(x.TaskId));
        Assert.Empty(pages.Dirty);
        Assert.Equal(6, pages.LastSave);

        // y stays named until its row is written; x, waiting, needs no name.
        Assert.False(pages.Settle(queue.Waiting.ContainsKey, Nobody, save: 7));
        Assert.Equal([y.TaskId], pages.Ended.Keys);
    }

    [Fact]
    public void The_next_save_is_numbered_after_the_index_when_no_row_is_later()
    {
        var index = new AdmissionQueueState { Pages = 1, Saves = 8 };

        var (_, pages) = AdmissionPages.Load(index, [Page(3, Place(1))], size: 4);

        Assert.Equal(8, pages.LastSave);
    }
}
