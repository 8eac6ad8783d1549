namespace OrleansTasks.Tasks;

/// <summary>
/// A task that waits: for its dependencies (see the dependencies part) and for its start time
/// (<c>run_at</c>). While its activation lives, a timer starts it right at that time; the lease
/// ticks start it otherwise, wherever it is reactivated.
/// </summary>
public sealed partial class IndexTaskGrain
{
    private static readonly TimeSpan MaxRunAtAhead = TimeSpan.FromDays(3660);
    private static readonly TimeSpan StartTimerHorizon = TimeSpan.FromHours(1);

    private IGrainTimer? _startTimer;

    private static void CheckRunAt(StartIndexTask request, DateTimeOffset now)
    {
        if (request.RunAt > now + MaxRunAtAhead)
        {
            throw new InvalidTaskRequestException("run_at", "'run_at' is at most 10 years ahead.");
        }
    }

    /// <summary>What a waiting task waits for, or null when nothing holds it back any more.</summary>
    private string? WaitingMessage(IndexTaskState task) =>
        task.AwaitedDependencies.Count > 0 ? TaskMessages.WaitingFor(task.AwaitedDependencies.Count)
        : task.RunAt is { } runAt && runAt > time.GetUtcNow() ? TaskMessages.ScheduledFor(runAt)
        : null;

    /// <summary>Arms a timer for a start time within the next hour; further ones are brought closer by the lease ticks.</summary>
    private void ScheduleStartTimer()
    {
        if (S.Status != IndexTaskStatus.Waiting || S.AwaitedDependencies.Count > 0 || S.RunAt is not { } runAt)
        {
            return;
        }

        var due = runAt - time.GetUtcNow();
        if (due > StartTimerHorizon)
        {
            return;
        }

        _startTimer?.Dispose();
        _startTimer = this.RegisterGrainTimer(
            _ => StartIfDueAsync(),
            new GrainTimerCreationOptions { DueTime = due < TimeSpan.Zero ? TimeSpan.Zero : due, Period = Timeout.InfiniteTimeSpan });
    }

    /// <summary>Moves a waiting task that nothing holds back any more to <c>pending</c>, and starts it.</summary>
    private async Task StartIfDueAsync()
    {
        if (S.Status != IndexTaskStatus.Waiting || Retired || WaitingMessage(S) is not null)
        {
            return;
        }

        await CommitAsync(next =>
        {
            next.Status = IndexTaskStatus.Pending;
            next.Message = TaskMessages.Queued;
        });

        ScheduleNextBatch();
    }
}
