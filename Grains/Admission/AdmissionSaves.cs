namespace OrleansTasks.Admission;

/// <summary>
/// Stores the queue's changes in its rows (see <see cref="AdmissionPages"/>), in an order that leaves storage
/// safe to load at every point a save can stop: the index first when it is written, then the pages touched, then
/// the rows of dropped pages cleared, a few at a time. Migrating from the single-row build, the pages go before the
/// index that stops listing the waiting tasks itself. An activation's first save (<see cref="Fence"/>) writes the
/// index and every page, so that an earlier activation still running is refused at its next write of any row.
/// A save that throws leaves memory ahead of storage: the caller retires.
/// <para>
/// Every waiting task is on its page before the answer; the index (the tasks holding slots, resting or granted) is
/// written at most once per flush interval, and whenever the page count changes or a task it lists waits again. So
/// the stored index may be behind (<see cref="AdmissionQueueState.Behind"/>): what the silos hold they say in every
/// call, and until the index is written, a task granted a slot keeps a copy in its page's row, loaded as waiting
/// until its silo says it holds the slot; a task that ended since then is loaded waiting too, and leaves when woken.
/// </para>
/// </summary>
public sealed class AdmissionSaves
{
    // Page writes under way at once: a reconcile after a silo died can dirty every page, and the storage pool is shared with every task.
    private const int PagesAtOnce = 4;

    private readonly AdmissionLine _queue;
    private readonly AdmissionPages _pages;
    private readonly IAdmissionRows _rows;
    private long _saves;
    private int _shrunkTo;
    private long _shrunkAt;
    private bool _fenceDue;
    private readonly TimeProvider _time;
    private readonly TimeSpan _flushEvery;
    private DateTimeOffset _indexWrittenAt;

    // The tasks the stored index lists holding a slot, with their places: the index written shares the queue's own dictionary.
    private Dictionary<Guid, AdmissionPlace> _heldInIndex;

    /// <param name="index">The index as read, from which <paramref name="queue"/> and <paramref name="pages"/> were loaded.</param>
    /// <param name="flushEvery">How long the index may stay behind the queue (zero: written with every change).</param>
    public AdmissionSaves(AdmissionLine queue, AdmissionPages pages, IAdmissionRows rows, AdmissionQueueState index, TimeProvider time, TimeSpan flushEvery)
    {
        ArgumentNullException.ThrowIfNull(index);
        (_queue, _pages, _rows, _time, _flushEvery) = (queue, pages, rows, time, flushEvery);
        (_saves, _shrunkTo, _shrunkAt) = (pages.LastSave, index.ShrunkTo, index.ShrunkAt);
        _heldInIndex = new(index.Running);
        Migrating = index.Waiting.Count > 0;
    }

    /// <summary>True while the stored index is behind the queue: it is written within the flush interval (see <see cref="SaveAsync"/>).</summary>
    public bool IndexBehind { get; private set; }

    /// <summary>True while storage still holds the queue in the single row of an earlier build.</summary>
    public bool Migrating { get; private set; }

    /// <summary>Makes the next save write the index and every page.</summary>
    public void Fence()
    {
        _pages.RewriteAll();
        _fenceDue = true;
    }

    /// <summary>
    /// Stores the queue's changes: every page a waiting task is on or left, and the index when its write is due (see
    /// the class). <paramref name="flush"/> writes the index if it is behind at all; <paramref name="closing"/> also marks
    /// it not behind, for an activation that grants nothing after it (it deactivates).
    /// </summary>
    public async Task SaveAsync(bool flush = false, bool closing = false)
    {
        // Tasks the stored index lists holding a slot that wait again (a grant handed back): the index keeps them
        // until their pages are written, or a save stopped between the two would lose them.
        var returning = _queue.ChangedWaiting.Where(id => _queue.State.Waiting.ContainsKey(id) && _heldInIndex.ContainsKey(id)).ToList();
        foreach (var taskId in _queue.ChangedWaiting)
        {
            _pages.Changed(taskId, _queue.State.Waiting.ContainsKey(taskId));
        }

        if (!Migrating)
        {
            _pages.Shrink();
        }

        var shrinking = _pages.Shrank;
        var save = _saves + 1;
        var must = _pages.Grew || shrinking || Migrating || _fenceDue || closing;
        IndexBehind |= _queue.IndexChanged;

        // A task that left the line while a row lists it is named ended in the index whenever that is written: loaded
        // before then, it waits again, and leaves when woken (see the class). Naming it in time costs no write of its own.
        IndexBehind |= _pages.Settle(
            taskId => _queue.State.Running.ContainsKey(taskId) || _queue.State.Waiting.ContainsKey(taskId),
            _heldInIndex.ContainsKey,
            save,
            indexWritten: !Migrating);
        var index = must || (IndexBehind && (flush || _time.GetUtcNow() - _indexWrittenAt >= _flushEvery));
        if (!index && _pages.Dirty.Count == 0)
        {
            _queue.Saved();
            return;
        }

        _saves = save;
        if (index && !Migrating)
        {
            await WriteIndexAsync(save, shrinking, returning, behind: !closing);
        }

        foreach (var chunk in _pages.Dirty.Chunk(PagesAtOnce))
        {
            await Task.WhenAll(chunk.Select(page => _rows.WritePageAsync(page, Page(page, save))));
        }

        // Left uncleared (a failed clear retires the activation), a dropped page's row is ignored: the index says so.
        foreach (var chunk in _pages.Dropped.Chunk(PagesAtOnce))
        {
            await Task.WhenAll(chunk.Select(_rows.ClearPageAsync));
        }

        if (Migrating || returning.Count > 0)
        {
            await WriteIndexAsync(save, shrinking: false, keep: [], behind: !closing);
            Migrating = false;
        }

        _queue.Saved();
        _pages.Saved();
        _fenceDue = false;
    }

    /// <summary>
    /// A page's row: its waiting tasks, and a waiting copy of each task its stored row lists that holds a slot the stored
    /// index does not name (granted since the index was written), so that the task is not lost should the queue load
    /// before the index names it.
    /// </summary>
    private AdmissionPage Page(int page, long save)
    {
        var copies = _pages.Keep(page, taskId => _queue.State.Running.ContainsKey(taskId) && !_heldInIndex.ContainsKey(taskId));
        return new AdmissionPage
        {
            Places = [
                .. _pages.On(page).Select(taskId => _queue.State.Waiting[taskId]),
                .. copies.Select(taskId => _queue.State.Running[taskId]).Select(place =>
                    new AdmissionPlace { Ticket = place.Ticket with { Processing = false }, Silo = place.MovingFrom ?? place.Silo }),
            ],
            Save = save,
        };
    }

    /// <summary>Writes the index; it also lists <paramref name="keep"/> holding the slots it listed them holding.</summary>
    private async Task WriteIndexAsync(long save, bool shrinking, List<Guid> keep, bool behind)
    {
        if (shrinking)
        {
            (_shrunkTo, _shrunkAt) = (_pages.Count, save);
        }

        var running = _queue.State.Running;
        if (keep.Count > 0)
        {
            running = new(running);
            foreach (var taskId in keep)
            {
                running[taskId] = _heldInIndex[taskId];
            }
        }

        await _rows.WriteIndexAsync(new AdmissionQueueState
        {
            Running = running,
            Slots = _queue.State.Slots,
            Pages = _pages.Count,
            Saves = save,
            ShrunkTo = _shrunkTo,
            ShrunkAt = _shrunkAt,
            Ended = new(_pages.Ended),
            Behind = behind,
        });
        _heldInIndex = new(running);
        _indexWrittenAt = _time.GetUtcNow();
        IndexBehind = keep.Count > 0;
    }
}
