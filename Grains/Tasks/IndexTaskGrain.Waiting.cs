namespace OrleansTasks.Tasks;

/// <summary>
/// A task that waits: for its dependencies (see the dependencies part) and for its start time
/// (<c>run_at</c>). While its activation lives, a timer starts it right at that time; the lease
/// ticks start it otherwise, wherever it is reactivated.
/// </summary>
public sealed partial class IndexTaskGrain
{
    private static readonly TimeSpan StartTimerHorizon = TimeSpan.FromHours(1);

    private IGrainTimer? _startTimer;

    /// <summary>Arms a timer for a start time within the next hour; further ones are brought closer by the lease ticks.</summary>
    private void ScheduleStartTimer()
    {
        if (TaskTransitions.StartTimerDue(S, time.GetUtcNow(), StartTimerHorizon) is { } due)
        {
            _startTimer?.Dispose();
            _startTimer = this.RegisterGrainTimer(_ => StartIfDueAsync(), new GrainTimerCreationOptions { DueTime = due, Period = Timeout.InfiniteTimeSpan });
        }
    }

    /// <summary>Moves a waiting task that nothing holds back any more to <c>pending</c>, and starts it.</summary>
    private async Task StartIfDueAsync()
    {
        if (S.Status != IndexTaskStatus.Waiting || _task.Retired || TaskTransitions.WaitingMessage(S, time.GetUtcNow()) is not null)
        {
            return;
        }

        await _task.CommitAsync(next => TaskTransitions.Queue(next, time.GetUtcNow()));
        Continue();
    }
}
