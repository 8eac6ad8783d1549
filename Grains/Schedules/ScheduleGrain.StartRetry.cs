namespace OrleansTasks.Schedules;

/// <summary>
/// A recorded run whose task failed to start is started again within seconds, by this activation
/// or, after a failed write, by the next one, not only at the next reminder tick (a check period
/// away): under a database that fails often, a retry that waits for the tick may never get through.
/// </summary>
public sealed partial class ScheduleGrain
{
    private static readonly TimeSpan FirstStartRetry = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan LongestStartRetry = TimeSpan.FromSeconds(2);

    private IGrainTimer? _startRetry;
    private int _startFailures;

    /// <summary>Arms a one-shot timer that starts the recorded run, after a delay that doubles with each failure.</summary>
    private TimeSpan RetryStartSoon()
    {
        var delay = TimeSpan.FromTicks(Math.Min(LongestStartRetry.Ticks, FirstStartRetry.Ticks << Math.Min(_startFailures, 10)));
        _startFailures++;
        if (_startRetry is null && !Durable.IsRetired)
        {
            _startRetry = this.RegisterGrainTimer(RetryStartAsync, new GrainTimerCreationOptions(delay, Timeout.InfiniteTimeSpan));
        }

        return delay;
    }

    private async Task RetryStartAsync(CancellationToken cancellationToken)
    {
        _startRetry?.Dispose();
        _startRetry = null;
        if (Durable.IsRetired || !S.Accepted || S.Starting is null)
        {
            return;
        }

        // A start that fails again arms the next retry.
        await StartRecordedRunAsync();
        await DrainQueueAsync();
        await ArmAsync(clock.GetUtcNow());
    }
}
