namespace OrleansTasks.Tasks;

/// <summary>
/// Which of a task's changes go on the per-owner feeds: its first, every change of status, its end,
/// and progress at most once an interval. Progress held back is sent once the interval has passed
/// (<see cref="TakeDue"/>), so a list never keeps a running task's stale position.
/// </summary>
public sealed class FeedThrottle(TimeProvider time, TimeSpan interval)
{
    private IndexTaskSnapshot? _sent;
    private long _sentAt;
    private IndexTaskSnapshot? _held;

    /// <summary>How long until held-back progress is due; null when nothing is held.</summary>
    public TimeSpan? HeldFor => _held is null ? null : interval - time.GetElapsedTime(_sentAt) is var left && left > TimeSpan.Zero ? left : TimeSpan.Zero;

    /// <summary>True when <paramref name="snapshot"/> goes out now; otherwise it is held (replacing what was).</summary>
    public bool Offer(IndexTaskSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (_sent is { } sent && snapshot.Seq <= sent.Seq)
        {
            return false;
        }

        if (_sent is null || snapshot.Status != _sent.Status || snapshot.IsTerminal || time.GetElapsedTime(_sentAt) >= interval)
        {
            Sent(snapshot);
            return true;
        }

        _held = snapshot;
        return false;
    }

    /// <summary>The held-back progress once its interval has passed (taken: it counts as sent); else null.</summary>
    public IndexTaskSnapshot? TakeDue()
    {
        if (_held is not { } held || time.GetElapsedTime(_sentAt) < interval)
        {
            return null;
        }

        Sent(held);
        return held;
    }

    private void Sent(IndexTaskSnapshot snapshot)
    {
        _sent = snapshot;
        _sentAt = time.GetTimestamp();
        _held = null;
    }
}
