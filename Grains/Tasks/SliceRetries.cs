namespace OrleansTasks.Tasks;

/// <summary>
/// What a task does after the n-th transient failure of a slice, by
/// its <see cref="TaskRetryPolicy"/> (the silo's defaults filled in): give up once the attempts are
/// used up, else wait <c>initial × backoff^(failed − 1)</c>, at most the policy's maximum interval.
/// </summary>
public static class SliceRetries
{
    public static bool Exhausted(TaskRetryPolicy policy, int failedAttempts)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return failedAttempts >= policy.MaxAttempts!.Value;
    }

    /// <summary>The wait after the <paramref name="failedAttempts"/>-th failure (1 for the first try), before the next attempt.</summary>
    public static TimeSpan Delay(TaskRetryPolicy policy, int failedAttempts)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentOutOfRangeException.ThrowIfLessThan(failedAttempts, 1);
        var initial = policy.InitialInterval!.Value;
        var max = policy.MaxInterval!.Value;
        var ticks = initial.Ticks * Math.Pow(policy.Backoff!.Value, failedAttempts - 1);
        return ticks >= max.Ticks ? max : TimeSpan.FromTicks((long)ticks);
    }
}
