namespace OrleansTasks.Feeds;

/// <summary>
/// What an owner feed knows of its items (tasks, batches, schedules): the unfinished ones it has
/// heard of, with their last change and when each was last heard, so that those silent for the
/// silence timeout are read back from their grains (items that are not busy — tasks that wait or
/// queue, batches not yet running — after six times that). A schedule changes by itself only when
/// an occurrence falls due (and, with occurrences queued, when its run ends); every other change
/// comes from a request, which publishes it. So a schedule is read back only once its next run is
/// overdue by the silence timeout, or, while occurrences wait in its queue, after six times that:
/// never merely because it is followed. After a stream error the feed reads back the schedules it
/// knows, up to a limit (<see cref="Schedules"/>). And the items that ended in
/// the last <see cref="EndedWindow"/>, so that a copy of an end published again (by a new
/// activation, or read back) is not delivered twice.
/// Not thread-safe: the feed serialises calls.
/// </summary>
internal sealed class KnownItems(TimeProvider time)
{
    /// <summary>How long an end is remembered: longer than a task's lease keeps publishing it again.</summary>
    public static readonly TimeSpan EndedWindow = TimeSpan.FromMinutes(10);

    private const int IdleFactor = 6;

    private readonly Dictionary<Guid, Heard> _unfinished = [];
    private readonly Dictionary<Guid, long> _ended = [];
    private readonly Queue<(Guid ItemId, long At)> _endedOrder = new();

    /// <summary>
    /// Takes in a change: true when it is news (to be delivered), false when it repeats or precedes
    /// what is known. An unfinished item is (re)timed, an ended one moved to the ended items.
    /// </summary>
    public bool Take(IOwnerFeedItem change)
    {
        var now = time.GetTimestamp();
        ForgetOldEnds(now);
        if (_ended.ContainsKey(change.ItemId))
        {
            return false;
        }

        if (_unfinished.TryGetValue(change.ItemId, out var known) && change.Seq < known.Last.Seq)
        {
            return false;
        }

        if (change.IsTerminal)
        {
            _unfinished.Remove(change.ItemId);
            _ended[change.ItemId] = change.Seq;
            _endedOrder.Enqueue((change.ItemId, now));
        }
        else
        {
            _unfinished[change.ItemId] = new Heard(change, now);
        }

        return true;
    }

    /// <summary>Forgets an item that no longer exists.</summary>
    public void Forget(Guid itemId) => _unfinished.Remove(itemId);

    /// <summary>True when some item has been silent for longer than it may be.</summary>
    public bool AnySilent(TimeSpan silence) => _unfinished.Values.Any(heard => IsSilent(heard, silence));

    /// <summary>
    /// At most <paramref name="limit"/> silent items (their last change heard), the longest silent
    /// first; each is timed anew, as it is about to be read.
    /// </summary>
    public IReadOnlyList<IOwnerFeedItem> TakeSilent(TimeSpan silence, int limit)
    {
        var silent = _unfinished.Values.Where(heard => IsSilent(heard, silence))
            .OrderBy(heard => heard.At).Take(limit).Select(heard => heard.Last).ToList();
        var now = time.GetTimestamp();
        foreach (var item in silent)
        {
            _unfinished[item.ItemId] = new Heard(item, now);
        }

        return silent;
    }

    /// <summary>The unfinished schedules heard of, at most <paramref name="limit"/>: read back after a stream error.</summary>
    public IReadOnlyList<ScheduleSnapshot> Schedules(int limit) =>
        [.. _unfinished.Values.Select(heard => heard.Last).OfType<ScheduleSnapshot>().Take(limit)];

    private bool IsSilent(Heard heard, TimeSpan silence)
    {
        var quiet = time.GetElapsedTime(heard.At);
        return heard.Last switch
        {
            ScheduleSnapshot schedule =>
                (schedule.NextRunAt is { } next && time.GetUtcNow() - next >= silence && quiet >= silence)
                || (schedule.Queued > 0 && quiet >= silence * IdleFactor),
            { IsBusy: true } => quiet >= silence,
            _ => quiet >= silence * IdleFactor,
        };
    }

    private void ForgetOldEnds(long now)
    {
        while (_endedOrder.TryPeek(out var oldest) && time.GetElapsedTime(oldest.At, now) >= EndedWindow)
        {
            _endedOrder.Dequeue();
            _ended.Remove(oldest.ItemId);
        }
    }

    private readonly record struct Heard(IOwnerFeedItem Last, long At);
}
