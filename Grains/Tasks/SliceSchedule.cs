namespace OrleansTasks.Tasks;

/// <summary>
/// Which slice call a task waits for. Each slice is a one-way call the grain sends itself, with a
/// token: a call whose token is not the awaited one is stale and does nothing. A slice on its way
/// for longer than <paramref name="lostAfter"/> is taken as lost and replaced. After failures, the
/// next slice waits with an exponential backoff.
/// </summary>
public sealed class SliceSchedule(TimeProvider time, TimeSpan lostAfter)
{
    public static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    private long _awaited;
    private long _lastToken;
    private long _awaitedSince;
    private int _failures;

    /// <summary>Whether the slice now sent replaces one that was lost.</summary>
    public bool ReplacedLost { get; private set; }

    /// <summary>The token of a new slice call to send, or null when one is already on its way.</summary>
    public long? Next()
    {
        if (_awaited != 0 && time.GetElapsedTime(_awaitedSince) < lostAfter)
        {
            return null;
        }

        ReplacedLost = _awaited != 0;
        _awaited = ++_lastToken;
        _awaitedSince = time.GetTimestamp();
        return _awaited;
    }

    /// <summary>True when <paramref name="token"/> is the awaited slice, which is then no longer awaited.</summary>
    public bool Arrived(long token)
    {
        if (token != _awaited)
        {
            return false;
        }

        _awaited = 0;
        return true;
    }

    /// <summary>A slice ran without a storage failure: the backoff starts again from the beginning.</summary>
    public void Succeeded() => _failures = 0;

    /// <summary>A slice failed on storage: how long to wait before the next one (1 s, 2 s, 4 s … up to 30 s).</summary>
    public TimeSpan Failed()
    {
        _failures++;
        return TimeSpan.FromSeconds(Math.Min(MaxRetryDelay.TotalSeconds, Math.Pow(2, _failures - 1)));
    }
}
