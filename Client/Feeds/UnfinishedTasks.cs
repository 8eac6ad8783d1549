namespace OrleansTasks.Feeds;

/// <summary>
/// The unfinished tasks an owner feed has heard of, and when each was last heard: those silent for
/// the silence timeout are read back from their grains, so that an end the stream lost still arrives.
/// Not thread-safe: the feed serialises calls.
/// </summary>
internal sealed class UnfinishedTasks(TimeProvider time)
{
    private readonly Dictionary<Guid, long> _lastHeard = [];

    public int Count => _lastHeard.Count;

    /// <summary>Notes a change: an unfinished task is (re)timed, an ended one forgotten.</summary>
    public void Heard(TaskSummary change)
    {
        if (change.IsTerminal)
        {
            _lastHeard.Remove(change.TaskId);
        }
        else
        {
            _lastHeard[change.TaskId] = time.GetTimestamp();
        }
    }

    /// <summary>Forgets a task that no longer exists.</summary>
    public void Forget(Guid taskId) => _lastHeard.Remove(taskId);

    /// <summary>True when some task has been silent for <paramref name="silence"/>.</summary>
    public bool AnySilent(TimeSpan silence) => _lastHeard.Values.Any(heard => time.GetElapsedTime(heard) >= silence);

    /// <summary>At most <paramref name="limit"/> tasks silent for <paramref name="silence"/>, the longest silent first; each is timed anew, as it is about to be read.</summary>
    public IReadOnlyList<Guid> TakeSilent(TimeSpan silence, int limit)
    {
        var silent = _lastHeard.Where(task => time.GetElapsedTime(task.Value) >= silence)
            .OrderBy(task => task.Value).Take(limit).Select(task => task.Key).ToList();
        var now = time.GetTimestamp();
        foreach (var taskId in silent)
        {
            _lastHeard[taskId] = now;
        }

        return silent;
    }
}
