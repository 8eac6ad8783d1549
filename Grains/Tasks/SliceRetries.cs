namespace OrleansTasks.Tasks;

/// <summary>
/// What a task does after the n-th transient failure of a slice, by
/// its <see cref="TaskRetryPolicy"/> (the silo's defaults filled in): give up once the attempts are
/// used up, else wait <c>initial × backoff^(failed − 1)</c>, lengthened by up to a quarter at random so
/// that the tasks one outage failed together do not all try again at one moment, and never longer than
/// the policy's maximum interval.
/// </summary>
public static class SliceRetries
{
    /// <summary>The most a wait is lengthened at random: a quarter.</summary>
    public const double MostJitter = 0.25;

    public static bool Exhausted(TaskRetryPolicy policy, int failedAttempts)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return failedAttempts >= policy.MaxAttempts!.Value;
    }

    /// <summary>
    /// The wait after the <paramref name="failedAttempts"/>-th failure (1 for the first try), before the next attempt:
    /// the computed wait lengthened by <paramref name="jitter"/> (drawn at random from [0, 1) by the caller) times
    /// <see cref="MostJitter"/>. The computed wait is at most four fifths of the maximum interval, so that lengthened
    /// it never passes the maximum: a wait that would reach it lies between four fifths of it and all of it.
    /// </summary>
    public static TimeSpan Delay(TaskRetryPolicy policy, int failedAttempts, double jitter)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentOutOfRangeException.ThrowIfLessThan(failedAttempts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(jitter, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(jitter, 1);
        var initial = policy.InitialInterval!.Value;
        var longest = policy.MaxInterval!.Value.Ticks / (1 + MostJitter);
        var ticks = Math.Min(initial.Ticks * Math.Pow(policy.Backoff!.Value, failedAttempts - 1), longest);
        return TimeSpan.FromTicks((long)(ticks * (1 + (MostJitter * jitter))));
    }
}
