namespace OrleansTasks.Tasks;

/// <summary>
/// Which of an item's changes go on the per-owner feeds: its first, every change of
/// <see cref="IOwnerFeedItem.Phase"/>, its end, and progress at most once an interval. Progress held
/// back is sent once the interval has passed (<see cref="TakeDue"/>), so a list never keeps a
/// running item's stale position. After a failed publication nothing held goes out before
/// <see cref="FeedRetry.Delay"/> has passed, however short the interval (a schedule's is zero).
/// </summary>
public sealed class FeedThrottle<T>(TimeProvider time, TimeSpan interval)
    where T : class, IOwnerFeedItem
{
    private T? _sent;
    private long _sentAt;
    private long? _failedAt;
    private T? _held;

    /// <summary>How long until held-back progress is due; null when nothing is held.</summary>
    public TimeSpan? HeldFor => _held is null ? null : TimeSpan.FromTicks(Math.Max(Left(_sentAt, interval).Ticks, _failedAt is { } failedAt ? Left(failedAt, FeedRetry.Delay).Ticks : 0));

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
        if (_held is not { } held || HeldFor > TimeSpan.Zero)
        {
            return null;
        }

        Sent(held);
        return held;
    }

    /// <summary>
    /// A change handed out by <see cref="Offer"/> or <see cref="TakeDue"/> could not be published: it
    /// is held again, unless something newer is held, and due after the interval and the <see cref="FeedRetry.Delay"/>.
    /// </summary>
    public void Failed(T change)
    {
        ArgumentNullException.ThrowIfNull(change);
        _held ??= change;
        _failedAt = time.GetTimestamp();
    }

    private TimeSpan Left(long since, TimeSpan wait) => wait - time.GetElapsedTime(since) is var left && left > TimeSpan.Zero ? left : TimeSpan.Zero;

    private void Sent(T change)
    {
        _sent = change;
        _sentAt = time.GetTimestamp();
        _failedAt = null;
        _held = null;
    }
}
