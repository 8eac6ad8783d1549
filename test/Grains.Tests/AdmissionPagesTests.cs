using OrleansTasks.Admission;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// How the admission queue stores its waiting tasks: bounded pages, a change rewriting only its page,
/// the queue rebuilt from its rows (a grant in the index winning over a stale page), and the single
/// stored row of the earlier build moved onto pages.
/// </summary>
public sealed class AdmissionPagesTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);

    private static AdmissionPlace Place(int arrival, string silo = "silo-a") =>
        new() { Ticket = new AdmissionTicket(Guid.NewGuid(), "alice", TaskPriority.Normal, Start.AddSeconds(arrival)), Silo = silo };

    private static AdmissionPage Page(long save, params AdmissionPlace[] places) => new() { Places = [.. places], Save = save };

    private static bool Nobody(Guid taskId) => false;

    /// <summary>Pages of <paramref name="size"/> after <paramref name="count"/> new tasks came to wait, in that order.</summary>
    private static (AdmissionPages Pages, List<Guid> Ids) Filled(int size, int count)
    {
        var pages = new AdmissionPages(size);
        List<Guid> ids = [.. Enumerable.Range(0, count).Select(_ => Guid.NewGuid())];
        foreach (var id in ids)
        {
            pages.Changed(id, waiting: true);
        }

        return (pages, ids);
    }

    [Fact]
    public void New_waiting_tasks_fill_the_lowest_page_with_room_and_each_dirties_only_its_page()
    {
        var (pages, ids) = Filled(size: 4, count: 10);

        Assert.Equal(3, pages.Count);
        Assert.Equal([4, 4, 2], Enumerable.Range(0, 3).Select(p => pages.On(p).Count));
        Assert.Equal(ids[4..8], pages.On(1));
        pages.Saved();
        Assert.False(pages.Grew);

        pages.Changed(ids[5], waiting: true);
        Assert.Equal([1], pages.Dirty);
        pages.Saved();
        pages.Changed(ids[9], waiting: false);
        Assert.Null(pages.PageOf(ids[9]));
        Assert.Empty(pages.Dirty);

        // It left the line while it waited: its row is written in the save that follows.
        Assert.False(pages.Settle(Nobody, Nobody, save: 2));
        Assert.Equal([2], pages.Dirty);
    }

    [Fact]
    public void A_freed_place_is_reused_before_a_new_page_is_opened()
    {
        var (pages, ids) = Filled(size: 2, count: 4);
        pages.Saved();
        pages.Changed(ids[0], waiting: false);
        var next = Guid.NewGuid();
        pages.Changed(next, waiting: true);

        Assert.Equal(0, pages.PageOf(next));
        Assert.Equal(2, pages.Count);
        Assert.False(pages.Grew);
        Assert.Equal([0], pages.Dirty);
    }

    [Fact]
    public void Loading_drops_a_task_the_index_says_holds_a_slot_and_leaves_its_row_and_older_copies_unwritten()
    {
        var (granted, waitingA, waitingB, twice) = (Place(1), Place(2), Place(3), Place(4));
        var index = new AdmissionQueueState { Running = { [granted.TaskId] = granted }, Pages = 3 };
        AdmissionPage[] stored = [Page(1, waitingA, twice), Page(1, granted, waitingB), Page(1, twice)];

        var (queue, pages) = AdmissionPages.Load(index, stored, size: 4);

        Assert.Equal([waitingA.TaskId, twice.TaskId, waitingB.TaskId], queue.Waiting.Keys);
        Assert.Equal([granted.TaskId], queue.Running.Keys);
        Assert.Empty(pages.Dirty);
        Assert.Equal(0, pages.PageOf(twice.TaskId));
        Assert.Equal(3, pages.Count);
        Assert.False(pages.Grew);
    }

    [Fact]
    public void A_task_on_two_pages_keeps_the_copy_of_the_later_save_whichever_page_holds_it()
    {
        // Saves that moved a task and stopped half way: one page was written, the other still lists it.
        var (x, y, stays) = (Place(1), Place(2), Place(3));
        var xNow = new AdmissionPlace { Ticket = x.Ticket, Silo = "silo-b" };
        var yNow = new AdmissionPlace { Ticket = y.Ticket, Silo = "silo-b" };
        var index = new AdmissionQueueState { Pages = 3, Saves = 9 };
        AdmissionPage[] stored = [Page(7, x, stays), Page(8, xNow, y), Page(9, yNow)];

        var (queue, pages) = AdmissionPages.Load(index, stored, size: 4);

        Assert.Equal("silo-b", queue.Waiting[x.TaskId].Silo);
        Assert.Equal("silo-b", queue.Waiting[y.TaskId].Silo);
        Assert.Equal([1, 2, 0], new[] { x, y, stays }.Select(p => pages.PageOf(p.TaskId)));
        Assert.Empty(pages.Dirty);
        Assert.Equal(9, pages.LastSave);
    }

    [Fact]
    public void The_single_row_of_the_earlier_build_is_the_queue_and_goes_onto_pages()
    {
        var legacy = Enumerable.Range(0, 5).Select(i => Place(i)).ToList();
        var running = Place(9);
        var stale = Place(10);
        var index = new AdmissionQueueState
        {
            Waiting = legacy.ToDictionary(p => p.TaskId),
            Running = { [running.TaskId] = running },
            Slots = { ["silo-a"] = 2 },
        };

        // A page an activation of this build left before one of the earlier build took over: the single row is newer.
        var (queue, pages) = AdmissionPages.Load(index, [Page(1, stale)], size: 2);

        Assert.Equal(legacy.Select(p => p.TaskId).Order(), queue.Waiting.Keys.Order());
        Assert.Equal(2, queue.Slots["silo-a"]);
        Assert.Equal(3, pages.Count);
        Assert.True(pages.Grew);
        Assert.Equal([0, 1, 2], pages.Dirty);
        Assert.Equal(legacy.Count, Enumerable.Range(0, 3).Sum(p => pages.On(p).Count));
        Assert.Null(pages.PageOf(stale.TaskId));
    }

    [Fact]
    public void Empty_pages_at_the_end_are_dropped_and_the_rows_the_index_named_are_to_be_cleared()
    {
        var (pages, ids) = Filled(size: 2, count: 6);
        pages.Saved();
        foreach (var id in ids[2..])
        {
            pages.Changed(id, waiting: false);
        }

        pages.Changed(ids[0], waiting: false);

        Assert.True(pages.Shrink());
        Assert.Equal(1, pages.Count);
        Assert.True(pages.Shrank);
        Assert.Equal([1, 2], pages.Dropped);
        Assert.False(pages.Settle(Nobody, Nobody, save: 2));
        Assert.Equal([0], pages.Dirty);
        pages.Saved();
        Assert.Empty(pages.Dropped);

        // The page left keeps its last task; a new one fills it, then opens page 1 again.
        Assert.False(pages.Shrink());
        var (next, after) = (Guid.NewGuid(), Guid.NewGuid());
        pages.Changed(next, waiting: true);
        pages.Changed(after, waiting: true);
        Assert.Equal((0, 1), (pages.PageOf(next), pages.PageOf(after)));
        Assert.True(pages.Grew);
    }

    [Fact]
    public void A_row_left_on_a_page_dropped_and_opened_again_lists_nobody_until_it_is_written_after_the_drop()
    {
        // Page 1 was dropped at save 5 and opened again at save 7, whose write of it did not happen: its row is from save 4.
        var (kept, left, written) = (Place(1), Place(2), Place(3));
        var index = new AdmissionQueueState { Pages = 3, Saves = 7, ShrunkTo = 1, ShrunkAt = 5 };
        AdmissionPage[] stored = [Page(3, kept), Page(4, left), Page(6, written)];

        var (queue, pages) = AdmissionPages.Load(index, stored, size: 4);

        Assert.Equal([kept.TaskId, written.TaskId], queue.Waiting.Keys);
        Assert.Equal([1], pages.Dirty);
        Assert.Equal(3, pages.Count);
    }

    [Fact]
    public void Rows_of_an_index_that_never_shrank_all_count_also_when_written_before_saves_were_counted()
    {
        // A build before saves were counted wrote Save 0 on every row; no shrink has happened since (ShrunkAt 0).
        var (first, second) = (Place(1), Place(2));
        var index = new AdmissionQueueState { Pages = 2 };

        var (queue, pages) = AdmissionPages.Load(index, [Page(0, first), Page(0, second)], size: 4);

        Assert.Equal([first.TaskId, second.TaskId], queue.Waiting.Keys);
        Assert.Empty(pages.Dirty);
    }

    [Fact]
    public void No_page_is_dropped_until_the_rows_found_left_over_are_written()
    {
        // Page 1's row is from before the drop at save 5; page 3 is empty at the end. Dropping page 3 before page 1's
        // row is written would store ShrunkTo 3, and a failed write of page 1 would then bring its row back.
        var (kept, left, written) = (Place(1), Place(2), Place(3));
        var index = new AdmissionQueueState { Pages = 4, Saves = 7, ShrunkTo = 1, ShrunkAt = 5 };
        AdmissionPage[] stored = [Page(3, kept), Page(4, left), Page(7, written), Page(7)];

        var (_, pages) = AdmissionPages.Load(index, stored, size: 4);

        Assert.Equal([1], pages.Dirty);
        Assert.False(pages.Shrink());
        Assert.Equal(4, pages.Count);
        pages.Saved();
        Assert.True(pages.Shrink());
        Assert.Equal(3, pages.Count);
    }
}
