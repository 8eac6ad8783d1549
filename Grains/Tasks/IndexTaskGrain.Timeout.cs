namespace OrleansTasks.Tasks;

/// <summary>
/// A task's time limit (see <see cref="TaskDeadline"/>): past it, the task fails with the code
/// <c>timeout</c>, once, since the failure is a status change like any other. Each slice checks the
/// limit first, so a task reactivated elsewhere after its silo died ends at its first slice; while
/// the activation lives, a timer brings that slice at the limit, also when the task is idle in a
/// retry's backoff.
/// </summary>
public sealed partial class IndexTaskGrain
{
    private IGrainTimer? _deadlineTimer;

    /// <summary>Fails the task if it is past its limit; true when it did.</summary>
    private async Task<bool> EndIfTimedOutAsync()
    {
        if (!TaskDeadline.IsPast(S, time.GetUtcNow()))
        {
            ArmDeadline();
            return false;
        }

        await _task.FlushProgressAsync();
        await FailAsync(TaskErrors.TimedOut(S.Timeout!.Value));
        Log.TimedOut(logger, TaskId, S.Timeout!.Value, S.Current, S.Total);
        EndRun();
        return true;
    }

    private void ArmDeadline()
    {
        if (_deadlineTimer is not null || TaskDeadline.Due(S, time.GetUtcNow()) is not { } due)
        {
            return;
        }

        _deadlineTimer = this.RegisterGrainTimer(
            _ =>
            {
                _deadlineTimer?.Dispose();
                _deadlineTimer = null;
                if (TaskDeadline.IsPast(S, time.GetUtcNow()))
                {
                    ScheduleNextSlice();
                }
                else
                {
                    ArmDeadline();
                }

                return Task.CompletedTask;
            },
            new GrainTimerCreationOptions { DueTime = due, Period = Timeout.InfiniteTimeSpan });
    }
}
