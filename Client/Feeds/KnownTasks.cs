namespace OrleansTasks.Feeds;

/// <summary>
/// What an owner feed knows of its tasks: the unfinished ones it has heard of, with their last
/// <c>seq</c> and when each was last heard, so that those silent for the silence timeout are read
/// back from their grains (tasks that wait or queue, which publish nothing while they do, after six
/// times that); and the tasks that ended in the last <see cref="EndedWindow"/>, so that a copy of an
/// end published again (by a new activation, or read back) is not delivered twice.
/// Not thread-safe: the feed serialises calls.
/// </summary>
internal sealed class KnownTasks(TimeProvider time)
{
    /// <summary>How long an end is remembered: longer than a task's lease keeps publishing it again.</summary>
    public static readonly TimeSpan EndedWindow = TimeSpan.FromMinutes(10);

    private const int IdleFactor = 6;

    private readonly Dictionary<Guid, Heard> _unfinished = [];
    private readonly Dictionary<Guid, long> _ended = [];
    private readonly Queue<(Guid TaskId, long At)> _endedOrder = new();

    /// <summary>
    /// Takes in a change: true when it is news (to be delivered), false when it repeats or precedes
    /// what is known. An unfinished task is (re)timed, an ended one moved to the ended tasks.
    /// </summary>
    public bool Take(TaskSummary change)
    {
        var now = time.GetTimestamp();
        ForgetOldEnds(now);
        if (_ended.ContainsKey(change.TaskId))
        {
            return false;
        }

        if (_unfinished.TryGetValue(change.TaskId, out var known) && change.Seq < known.Seq)
        {
            return false;
        }

        if (change.IsTerminal)
        {
            _unfinished.Remove(change.TaskId);
            _ended[change.TaskId] = change.Seq;
            _endedOrder.Enqueue((change.TaskId, now));
        }
        else
        {
            _unfinished[change.TaskId] = new Heard(change.Seq, change.Status, now);
        }

        return true;
    }

    /// <summary>Forgets a task that no longer exists.</summary>
    public void Forget(Guid taskId) => _unfinished.Remove(taskId);

    /// <summary>True when some task has been silent for longer than its status allows.</summary>
    public bool AnySilent(TimeSpan silence) => _unfinished.Values.Any(heard => IsSilent(heard, silence));

    /// <summary>At most <paramref name="limit"/> silent tasks, the longest silent first; each is timed anew, as it is about to be read.</summary>
    public IReadOnlyList<Guid> TakeSilent(TimeSpan silence, int limit)
    {
        var silent = _unfinished.Where(task => IsSilent(task.Value, silence))
            .OrderBy(task => task.Value.At).Take(limit).Select(task => task.Key).ToList();
        var now = time.GetTimestamp();
        foreach (var taskId in silent)
        {
            _unfinished[taskId] = _unfinished[taskId] with { At = now };
        }

        return silent;
    }

    private bool IsSilent(Heard heard, TimeSpan silence) =>
        time.GetElapsedTime(heard.At) >= (heard.Status == IndexTaskStatus.Processing ? silence : silence * IdleFactor);

    private void ForgetOldEnds(long now)
    {
        while (_endedOrder.TryPeek(out var oldest) && time.GetElapsedTime(oldest.At, now) >= EndedWindow)
        {
            _endedOrder.Dequeue();
            _ended.Remove(oldest.TaskId);
        }
    }

    private readonly record struct Heard(long Seq, IndexTaskStatus Status, long At);
}
