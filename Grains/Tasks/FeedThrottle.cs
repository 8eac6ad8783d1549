namespace OrleansTasks.Tasks;

/// <summary>
/// Which of an item's changes go on the per-owner feeds: its first, every change of
/// <see cref="IOwnerFeedItem.Phase"/>, its end, and progress at most once an interval. Progress held
/// back is sent once the interval has passed (<see cref="TakeDue"/>), so a list never keeps a
/// running item's stale position.
/// </summary>
public sealed class FeedThrottle<T>(TimeProvider time, TimeSpan interval)
    where T : class, IOwnerFeedItem
{
    private T? _sent;
    private long _sentAt;
    private T? _held;

    /// <summary>How long until held-back progress is due; null when nothing is held.</summary>
    public TimeSpan? HeldFor => _held is null ? null : interval - time.GetElapsedTime(_sentAt) is var left && left > TimeSpan.Zero ? left : TimeSpan.Zero;

    /// <summary>True when <paramref name="change"/> goes out now; otherwise it is held (replacing what was).</summary>
    public bool Offer(T change)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (_sent is { } sent && change.Seq <= sent.Seq)
        {
            return false;
        }

        if (_sent is null || change.Phase != _sent.Phase || change.IsTerminal || time.GetElapsedTime(_sentAt) >= interval)
        {
            Sent(change);
            return true;
        }

        _held = change;
        return false;
    }

    /// <summary>The held-back progress once its interval has passed (taken: it counts as sent); else null.</summary>
    public T? TakeDue()
    {
        if (_held is not { } held || time.GetElapsedTime(_sentAt) < interval)
        {
            return null;
        }

        Sent(held);
        return held;
    }

    /// <summary>A change handed out by <see cref="Offer"/> or <see cref="TakeDue"/> could not be published: it is held again, due after the interval, unless something newer is held.</summary>
    public void Failed(T change)
    {
        ArgumentNullException.ThrowIfNull(change);
        _held ??= change;
    }

    private void Sent(T change)
    {
        _sent = change;
        _sentAt = time.GetTimestamp();
        _held = null;
    }
}
