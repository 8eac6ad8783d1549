namespace OrleansTasks.Tasks;

/// <summary>
/// The waits between successive failed calls: <see cref="First"/>, then twice the last, up to <see cref="Cap"/>,
/// each lengthened by up to a quarter at random so that silos that lost the same callee at one moment do not call
/// again in step (the rule of a task's slice retries, <see cref="SliceRetries.Delay"/>, under a fixed policy).
/// A success starts again from the first.
/// </summary>
public sealed class RetryBackoff(TimeProvider time, Func<double>? random = null)
{
    public static readonly TimeSpan First = TimeSpan.FromMilliseconds(500);
    public static readonly TimeSpan Cap = TimeSpan.FromSeconds(4);

    // The slice retries' maximum bounds the lengthened wait: a cap of 4 s before jitter is a maximum of 5 s.
    private static readonly TaskRetryPolicy Policy = new(
        MaxAttempts: int.MaxValue, InitialInterval: First, Backoff: 2, MaxInterval: Cap * (1 + SliceRetries.MostJitter));

    private readonly Func<double> _random = random ?? Random.Shared.NextDouble;
    private int _failures;

    /// <summary>The wait before the call after one more failure: at least <see cref="First"/>, at most <see cref="Cap"/> and a quarter.</summary>
    public TimeSpan Next()
    {
        _failures = Math.Min(_failures + 1, 64);
        return SliceRetries.Delay(Policy, _failures, _random());
    }

    /// <summary>Waits <see cref="Next"/>, measured by the time provider.</summary>
    public Task WaitAsync() => Task.Delay(Next(), time);

    /// <summary>A call succeeded: the next failure waits <see cref="First"/> again.</summary>
    public void Succeeded() => _failures = 0;
}
