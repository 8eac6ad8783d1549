namespace OrleansTasks.Tasks;

/// <summary>
/// The waits between successive failed calls: <see cref="First"/>, then twice the last, up to <see cref="Cap"/>,
/// each lengthened by up to a quarter at random so that silos that lost the same callee at one moment do not call
/// again in step. A success starts again from the first.
/// </summary>
public sealed class RetryBackoff(TimeProvider time, Func<double>? random = null)
{
    public static readonly TimeSpan First = TimeSpan.FromMilliseconds(500);
    public static readonly TimeSpan Cap = TimeSpan.FromSeconds(4);

    private const double MostJitter = 0.25;

    private readonly Func<double> _random = random ?? Random.Shared.NextDouble;
    private int _failures;

    /// <summary>The wait before the call after one more failure: at least <see cref="First"/>, at most <see cref="Cap"/> and a quarter.</summary>
    public TimeSpan Next()
    {
        var wait = TimeSpan.FromTicks(Math.Min(First.Ticks << Math.Min(_failures, 16), Cap.Ticks));
        _failures++;
        return wait * (1 + (MostJitter * _random()));
    }

    /// <summary>Waits <see cref="Next"/>, measured by the time provider.</summary>
    public Task WaitAsync() => Task.Delay(Next(), time);

    /// <summary>A call succeeded: the next failure waits <see cref="First"/> again.</summary>
    public void Succeeded() => _failures = 0;
}
