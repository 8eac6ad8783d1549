namespace OrleansTasks.Gateway.WebSockets;

/// <summary>
/// Counts the sends one socket started and finished, so that <see cref="SlowConsumerWatch"/> can
/// tell a send that cannot complete without a timer or a clock read per send.
/// </summary>
public sealed class SendClock
{
    private long _started;
    private long _finished;
    private long _seenStarted;
    private long _pendingSince;

    /// <summary>Called by the socket's send loop only.</summary>
    public void Started() => Volatile.Write(ref _started, _started + 1);

    /// <summary>Called by the socket's send loop only.</summary>
    public void Finished() => Volatile.Write(ref _finished, Volatile.Read(ref _started));

    /// <summary>
    /// Called by the watch only, at <paramref name="now"/>: how long the same send has been in
    /// progress, as seen at this and earlier calls; zero when none is.
    /// </summary>
    public TimeSpan Stalled(TimeProvider time, long now)
    {
        var started = Volatile.Read(ref _started);
        if (Volatile.Read(ref _finished) == started)
        {
            return TimeSpan.Zero;
        }

        if (started != _seenStarted)
        {
            _seenStarted = started;
            _pendingSince = now;
            return TimeSpan.Zero;
        }

        return time.GetElapsedTime(_pendingSince, now);
    }
}
