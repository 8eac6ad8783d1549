namespace OrleansTasks.Admission;

/// <summary>
/// What each page's stored row lists, beside what the page holds: a task that left its page keeps its copy in
/// the row until the row is next written. A copy of a task that holds a slot or waits on another page is
/// harmless (the index wins; the later save wins), so a grant writes no page. A copy of a task that left the
/// line is not: loaded, it would wait again. Such a task is either named ended in the index, in the save that
/// takes its slot from the index, or its row is written in that save.
/// </summary>
public sealed partial class AdmissionPages
{
    // Tasks whose place is named ended in the index: each with the save it ended in, while a row from no later lists it.
    private readonly Dictionary<Guid, long> _ended = [];

    // The tasks each page's stored row lists, and of those, the rows each task is no longer on the page of.
    private readonly Dictionary<int, HashSet<Guid>> _rows = [];
    private readonly Dictionary<Guid, HashSet<int>> _staleRows = [];

    // The tasks each page's row, written next, keeps as copies though they are not on the page (see Keep).
    private readonly Dictionary<int, List<Guid>> _kept = [];

    /// <summary>The highest save number read, of the index or of a row: the next save is numbered after it.</summary>
    public long LastSave { get; private set; }

    /// <summary>The tasks to name ended in the index: a row written no later than that save still lists each.</summary>
    public IReadOnlyDictionary<Guid, long> Ended => _ended;

    /// <summary>
    /// Decides, before a save numbered <paramref name="save"/>, what rows still listing tasks no longer on their page
    /// need. A task queued now (<paramref name="queued"/>: waiting, or holding a slot) needs nothing. One that the
    /// stored index says holds a slot (<paramref name="heldInIndex"/>) is named ended in the index this save writes,
    /// as it stops saying so; so is one that left while it waited when the save writes the index anyway
    /// (<paramref name="indexWritten"/>). Otherwise the rows of one that left while it waited are written now. With
    /// more than a page's worth of tasks named ended, their rows are written too, so that the index stays small.
    /// Returns true when a task was newly named ended: the index is to be written.
    /// </summary>
    public bool Settle(Func<Guid, bool> queued, Func<Guid, bool> heldInIndex, long save, bool indexWritten = false)
    {
        ArgumentNullException.ThrowIfNull(queued);
        ArgumentNullException.ThrowIfNull(heldInIndex);
        ForgetEnded();
        var named = false;
        foreach (var (taskId, rows) in _staleRows)
        {
            if (queued(taskId))
            {
                _ended.Remove(taskId);
            }
            else if (_ended.ContainsKey(taskId) || indexWritten || heldInIndex(taskId))
            {
                named |= _ended.TryAdd(taskId, save);
            }
            else
            {
                _dirty.UnionWith(rows);
            }
        }

        if (_ended.Count > Size)
        {
            foreach (var taskId in _ended.Keys)
            {
                _dirty.UnionWith(_staleRows[taskId]);
            }
        }

        return named;
    }

    /// <summary>
    /// Of the tasks <paramref name="page"/>'s stored row lists that are no longer on the page, those its next write is to
    /// list still (<paramref name="keep"/>): they stay listed, stale, in the row written (see <see cref="AdmissionSaves"/>).
    /// </summary>
    public IReadOnlyList<Guid> Keep(int page, Func<Guid, bool> keep)
    {
        ArgumentNullException.ThrowIfNull(keep);
        List<Guid> kept = _rows.TryGetValue(page, out var row) ? [.. row.Where(id => !_pages[page].Contains(id) && keep(id))] : [];
        _kept[page] = kept;
        return kept;
    }

    /// <summary>Marks every page to be written: an activation's first save fences off any earlier one (see <see cref="AdmissionSaves.Fence"/>).</summary>
    public void RewriteAll() => _dirty.UnionWith(Enumerable.Range(0, _pages.Count));

    private void Listed(int page, IEnumerable<Guid> taskIds)
    {
        _rows[page] = [.. taskIds];
        foreach (var taskId in _rows[page].Where(id => !_pages[page].Contains(id)))
        {
            Unlisted(taskId, page);
        }
    }

    /// <summary>The task left the page: the page's row, if it lists the task, lists it stale.</summary>
    private void Unlisted(Guid taskId, int page)
    {
        if (_rows.TryGetValue(page, out var row) && row.Contains(taskId))
        {
            if (!_staleRows.TryGetValue(taskId, out var rows))
            {
                _staleRows[taskId] = rows = [];
            }

            rows.Add(page);
        }
    }

    /// <summary>The task came onto the page: the page's row, written next, lists it as it is.</summary>
    private void Relisted(Guid taskId, int page)
    {
        if (_staleRows.TryGetValue(taskId, out var rows) && rows.Remove(page) && rows.Count == 0)
        {
            _staleRows.Remove(taskId);
        }
    }

    /// <summary>The page's row now lists what the page holds; a dropped page's row, nobody the index will read.</summary>
    private void Written(int page)
    {
        if (_rows.Remove(page, out var row))
        {
            foreach (var taskId in row)
            {
                Relisted(taskId, page);
            }
        }

        if (page < _pages.Count)
        {
            _rows[page] = [.. _pages[page]];
            if (_kept.Remove(page, out var kept))
            {
                foreach (var taskId in kept)
                {
                    _rows[page].Add(taskId);
                    Unlisted(taskId, page);
                }
            }
        }

        _kept.Remove(page);
    }

    /// <summary>The page is dropped: its row is no longer read.</summary>
    private void Unlisted(int page) => Written(page);

    private void ForgetEnded()
    {
        foreach (var taskId in _ended.Keys.Where(id => !_staleRows.ContainsKey(id)).ToList())
        {
            _ended.Remove(taskId);
        }
    }
}
