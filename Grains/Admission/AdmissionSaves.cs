namespace OrleansTasks.Admission;

/// <summary>
/// Stores the queue's changes in its rows (see <see cref="AdmissionPages"/>), in an order that leaves storage
/// safe to load at every point a save can stop: the index first when it changed or must name tasks ended, then
/// the pages touched, then the rows of dropped pages cleared, a few at a time. Migrating from the single-row
/// build, the pages go before the index that stops listing the waiting tasks itself. An activation's first save
/// (<see cref="Fence"/>) writes the index and every page, so that an earlier activation still running is refused
/// at its next write of any row. A save that throws leaves memory ahead of storage: the caller retires.
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

    // The tasks the stored index lists holding a slot, with their places: the index written shares the queue's own dictionary.
    private Dictionary<Guid, AdmissionPlace> _heldInIndex;

    /// <param name="index">The index as read, from which <paramref name="queue"/> and <paramref name="pages"/> were loaded.</param>
    public AdmissionSaves(AdmissionLine queue, AdmissionPages pages, IAdmissionRows rows, AdmissionQueueState index)
    {
        ArgumentNullException.ThrowIfNull(index);
        (_queue, _pages, _rows) = (queue, pages, rows);
        (_saves, _shrunkTo, _shrunkAt) = (pages.LastSave, index.ShrunkTo, index.ShrunkAt);
        _heldInIndex = new(index.Running);
        Migrating = index.Waiting.Count > 0;
    }

    /// <summary>True while storage still holds the queue in the single row of an earlier build.</summary>
    public bool Migrating { get; private set; }

    /// <summary>Makes the next save write the index and every page.</summary>
    public void Fence()
    {
        _pages.RewriteAll();
        _fenceDue = true;
    }

    public async Task SaveAsync()
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
        var index = _queue.IndexChanged || _pages.Grew || shrinking || Migrating || _fenceDue;
        index |= _pages.Settle(
            taskId => _queue.State.Running.ContainsKey(taskId) || _queue.State.Waiting.ContainsKey(taskId),
            _heldInIndex.ContainsKey,
            save,
            indexWritten: index && !Migrating);
        if (!index && _pages.Dirty.Count == 0)
        {
            _queue.Saved();
            return;
        }

        _saves = save;
        if (index && !Migrating)
        {
            await WriteIndexAsync(save, shrinking, returning);
        }

        foreach (var chunk in _pages.Dirty.Chunk(PagesAtOnce))
        {
            await Task.WhenAll(chunk.Select(page => _rows.WritePageAsync(page,
                new AdmissionPage { Places = [.. _pages.On(page).Select(taskId => _queue.State.Waiting[taskId])], Save = save })));
        }

        // Left uncleared (a failed clear retires the activation), a dropped page's row is ignored: the index says so.
        foreach (var chunk in _pages.Dropped.Chunk(PagesAtOnce))
        {
            await Task.WhenAll(chunk.Select(_rows.ClearPageAsync));
        }

        if (Migrating || returning.Count > 0)
        {
            await WriteIndexAsync(save, shrinking: false, keep: []);
            Migrating = false;
        }

        _queue.Saved();
        _pages.Saved();
        _fenceDue = false;
    }

    /// <summary>Writes the index; it also lists <paramref name="keep"/> holding the slots it listed them holding.</summary>
    private async Task WriteIndexAsync(long save, bool shrinking, List<Guid> keep)
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
        });
        _heldInIndex = new(running);
    }
}
