namespace OrleansTasks.Tasks;

/// <summary>
/// A running task's documents per second, smoothed so that the time left does not jump: an
/// exponentially weighted average of the rates between observations, with a 5 s time constant.
/// Observations closer than 200 ms are folded into the next one. Once the task has ended, its
/// rate is the average over its run.
/// </summary>
public sealed class RateMeter(TimeProvider time)
{
    private static readonly TimeSpan TimeConstant = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan MinimumInterval = TimeSpan.FromMilliseconds(200);

    private long? _lastAt;
    private int _lastCurrent;
    private double? _smoothed;

    /// <summary>The rate for a task in <paramref name="state"/>, after taking in its position now.</summary>
    public double? Observe(IndexTaskState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Status.IsTerminal())
        {
            return RunAverage(state);
        }

        if (state.Status != IndexTaskStatus.Processing)
        {
            _lastAt = null;
            _smoothed = null;
            return null;
        }

        var now = time.GetTimestamp();
        if (_lastAt is not { } lastAt || state.Current < _lastCurrent)
        {
            _lastAt = now;
            _lastCurrent = state.Current;
            return _smoothed;
        }

        var elapsed = time.GetElapsedTime(lastAt, now);
        if (elapsed < MinimumInterval)
        {
            return _smoothed;
        }

        var sample = (state.Current - _lastCurrent) / elapsed.TotalSeconds;
        var weight = 1 - Math.Exp(-elapsed / TimeConstant);
        _smoothed = _smoothed is { } previous ? previous + (weight * (sample - previous)) : sample;
        _lastAt = now;
        _lastCurrent = state.Current;
        return _smoothed;
    }

    private static double? RunAverage(IndexTaskState state)
    {
        if (state.StartedAt is not { } started || state.FinishedAt is not { } finished || state.Current == 0)
        {
            return null;
        }

        var seconds = (finished - started).TotalSeconds;
        return seconds > 0 ? state.Current / seconds : null;
    }
}
