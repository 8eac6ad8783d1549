namespace OrleansTasks.Admission;

/// <summary>
/// Where the queue stores its waiting tasks: numbered pages of at most <see cref="Size"/> places
/// each, so that a change to one waiting task rewrites one page whatever the backlog. A task keeps
/// its page while it waits; a new one goes to the lowest page with room, so pages fill up before a
/// new one is opened. Empty pages at the end are dropped at a save (<see cref="Shrink"/>), so a drained
/// backlog leaves no pages behind; the queue's stored index names the count so that an activation
/// knows which pages to read, and where the count last shrank, so that a row left from before then on
/// a page opened again is not taken for that page.
/// A task granted a slot leaves its page without a write: its row still lists it, and the index, which
/// lists it holding the slot, wins. Rows are written for tasks that came to wait or changed, and to
/// clear tasks that left the line while they waited; a task that leaves the index while a row still
/// lists it is named ended in the index (<see cref="Ended"/>) until that row is written (see <see cref="Settle"/>).
/// </summary>
public sealed partial class AdmissionPages(int size = AdmissionPages.DefaultSize)
{
    /// <summary>About 6 KB a page: each place is about a hundred bytes stored.</summary>
    public const int DefaultSize = 64;

    private readonly Dictionary<Guid, int> _pageOf = [];
    private readonly List<HashSet<Guid>> _pages = [];
    private readonly SortedSet<int> _withRoom = [];
    private readonly SortedSet<int> _dirty = [];
    private int _stored;

    // Set while a row Load found left over is still to be written empty: a shrink moving the index's
    // ShrunkTo past that page before then would make its row count again.
    private bool _leftUnwritten;

    public int Size { get; } = size > 0 ? size : throw new ArgumentOutOfRangeException(nameof(size), size, "A page holds at least one place.");

    /// <summary>The pages, empty ones included; the index names this many.</summary>
    public int Count => _pages.Count;

    /// <summary>True when pages were opened since the index last named their count.</summary>
    public bool Grew => _pages.Count > _stored;

    /// <summary>True when pages were dropped since the index last named their count.</summary>
    public bool Shrank => _pages.Count < _stored;

    /// <summary>The pages the index named and no longer names: their rows are to be cleared.</summary>
    public IEnumerable<int> Dropped => Enumerable.Range(_pages.Count, Math.Max(0, _stored - _pages.Count));

    /// <summary>The pages to write: each holds a place that was added, changed or removed since <see cref="Saved"/>.</summary>
    public IReadOnlyCollection<int> Dirty => _dirty;

    /// <summary>
    /// Rebuilds the queue from what storage holds: the index (tasks holding slots, silos' slots, the
    /// page count) and the pages it names, in page order. A task holding a slot is not waiting, even
    /// if its page still says so (the index is written first). A task on two pages (a save that
    /// moved it stopped half way) keeps the copy of the later save, the lower page on a tie.
    /// An index still holding waiting tasks itself was written by a build that kept the whole queue
    /// in that one row: its waiting tasks are the queue, put on pages to be written before the index.
    /// A page at or past <see cref="AdmissionQueueState.ShrunkTo"/> not written since the save that
    /// dropped it (<see cref="AdmissionQueueState.ShrunkAt"/>) is a row left from before: it lists nobody.
    /// A task the index names ended is not listed by a row written no later than it ended. Copies of tasks a row
    /// lists that are not on its page (holding a slot, ended, or waiting on a later page) are left in the row
    /// until it is next written; only a row left from before a drop is to be written at once.
    /// </summary>
    public static (AdmissionQueueState Queue, AdmissionPages Pages) Load(
        AdmissionQueueState index, IReadOnlyList<AdmissionPage> stored, int size = DefaultSize)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(stored);
        var queue = new AdmissionQueueState { Running = index.Running, Slots = index.Slots };
        var pages = new AdmissionPages(size);
        var single = index.Waiting.Count > 0;
        var truePage = new Dictionary<Guid, int>();
        // Before any shrink (ShrunkAt 0) no row is left over, also not one written by a build before saves were counted.
        bool Left(int page) => index.ShrunkAt > 0 && page >= index.ShrunkTo && stored[page].Save <= index.ShrunkAt;
        bool Gone(Guid taskId, int page) => index.Ended.TryGetValue(taskId, out var ended) && stored[page].Save <= ended;
        for (var page = 0; page < stored.Count && !single; page++)
        {
            foreach (var place in stored[page].Places.Where(p => !queue.Running.ContainsKey(p.TaskId) && !Gone(p.TaskId, page) && !Left(page)))
            {
                if (!truePage.TryGetValue(place.TaskId, out var other) || stored[page].Save > stored[other].Save)
                {
                    truePage[place.TaskId] = page;
                }
            }
        }

        for (var page = 0; page < stored.Count; page++)
        {
            var kept = new List<Guid>();
            foreach (var place in single ? [] : stored[page].Places)
            {
                if (truePage.GetValueOrDefault(place.TaskId, -1) == page && queue.Waiting.TryAdd(place.TaskId, place))
                {
                    kept.Add(place.TaskId);
                }
            }

            pages.Open(kept, dirty: single ? kept.Count != stored[page].Places.Count : Left(page) && stored[page].Places.Count > 0);
            pages.Listed(page, stored[page].Places.Select(p => p.TaskId));
        }

        foreach (var (taskId, ended) in index.Ended.Where(e => pages._staleRows.ContainsKey(e.Key) && !queue.Running.ContainsKey(e.Key)))
        {
            pages._ended[taskId] = ended;
        }

        pages._stored = pages.Count;
        pages.LastSave = stored.Select(page => page.Save).Append(index.Saves).Max();
        pages._leftUnwritten = !single && Enumerable.Range(0, stored.Count).Any(page => Left(page) && stored[page].Places.Count > 0);
        foreach (var place in index.Waiting.Values.Where(p => !queue.Running.ContainsKey(p.TaskId)))
        {
            queue.Waiting[place.TaskId] = place;
            pages.Changed(place.TaskId, waiting: true);
        }

        return (queue, pages);
    }

    /// <summary>
    /// A task's place was added, changed or removed. A new or changed place marks its page to be written, giving
    /// a new one a page; a removed one is left in its row until <see cref="Settle"/> decides whether it must go now.
    /// </summary>
    public void Changed(Guid taskId, bool waiting)
    {
        if (_pageOf.TryGetValue(taskId, out var page))
        {
            if (!waiting)
            {
                _pageOf.Remove(taskId);
                _pages[page].Remove(taskId);
                _withRoom.Add(page);
                Unlisted(taskId, page);
                return;
            }

            _dirty.Add(page);
            return;
        }

        if (!waiting)
        {
            return;
        }

        page = _withRoom.Count > 0 ? _withRoom.Min : Open([], dirty: false);
        _pageOf[taskId] = page;
        _pages[page].Add(taskId);
        if (_pages[page].Count >= Size)
        {
            _withRoom.Remove(page);
        }

        _dirty.Add(page);
        Relisted(taskId, page);
    }

    /// <summary>
    /// Drops the empty pages at the end (their rows are <see cref="Dropped"/> once saved); true if any was.
    /// Empty pages between others stay: a task keeps its page while it waits. None is dropped until the
    /// rows Load found left over are written.
    /// </summary>
    public bool Shrink()
    {
        if (_leftUnwritten)
        {
            return false;
        }

        var before = _pages.Count;
        while (_pages.Count > 0 && _pages[^1].Count == 0)
        {
            var last = _pages.Count - 1;
            _pages.RemoveAt(last);
            _withRoom.Remove(last);
            _dirty.Remove(last);
            Unlisted(last);
        }

        return _pages.Count < before;
    }

    /// <summary>The tasks stored on <paramref name="page"/>.</summary>
    public IReadOnlyCollection<Guid> On(int page) => _pages[page];

    /// <summary>The page of a waiting task; null for a task not waiting.</summary>
    public int? PageOf(Guid taskId) => _pageOf.TryGetValue(taskId, out var page) ? page : null;

    /// <summary>The dirty pages and the page count are stored.</summary>
    public void Saved()
    {
        foreach (var page in _dirty)
        {
            Written(page);
        }

        ForgetEnded();
        _dirty.Clear();
        _stored = _pages.Count;
        _leftUnwritten = false;
    }

    private int Open(List<Guid> taskIds, bool dirty)
    {
        var page = _pages.Count;
        _pages.Add([.. taskIds]);
        foreach (var taskId in taskIds)
        {
            _pageOf[taskId] = page;
        }

        if (taskIds.Count < Size)
        {
            _withRoom.Add(page);
        }

        if (dirty)
        {
            _dirty.Add(page);
        }

        return page;
    }
}
