namespace OrleansTasks.Schedules;

/// <summary>
/// Firing occurrences. A run is recorded (<see cref="ScheduleState.Starting"/>) in the same write
/// that moves the schedule past its occurrence; then its task is started; then the run moves into
/// the recent runs. A step that fails is finished by a retry soon after (see the start retry), the
/// next call or the next tick: the task id is in
/// storage, and starting a task that exists is a no-op, so an occurrence never runs twice and no
/// run starts that the overlap checks cannot see.
/// </summary>
public sealed partial class ScheduleGrain
{
    public Task<ScheduleRun?> RunNow() => RunNow(Guid.NewGuid());

    public async Task<ScheduleRun?> RunNow(Guid requestId)
    {
        if (!S.Accepted)
        {
            return null;
        }

        // A repeated request (a retry after an error) finishes and answers the run it started.
        var taskId = OccurrenceIds.ForRequest(ScheduleId, requestId);
        if (S.Starting?.TaskId == taskId)
        {
            return await StartRecordedRunAsync();
        }

        if (S.RecentRuns.Find(run => run.TaskId == taskId) is { } started)
        {
            return started;
        }

        await StartRecordedRunAsync();
        var now = clock.GetUtcNow();
        await ChangeAsync(next => next.Starting = new ScheduleRun(taskId, now, now, Manual: true));
        return await StartRecordedRunAsync();
    }

    /// <summary>
    /// Fires what has fallen due: the latest due occurrence stands for any missed before it, and is
    /// itself skipped when it is late beyond the grace under the missed-run policy <c>skip</c>.
    /// </summary>
    private async Task FireDueAsync(DateTimeOffset now)
    {
        var running = await RunningTaskAsync();
        await ChangeAsync(next =>
        {
            var (latest, missed, following) = Plan.CatchUp(next.NextDueAt!.Value, now);
            if (next.Missed == MissedRunPolicy.Skip && now - latest > _options.MissedGrace)
            {
                Skip(next, missed + 1, ScheduleMessages.Missed(latest));
            }
            else
            {
                if (missed > 0)
                {
                    Skip(next, missed, ScheduleMessages.Missed(latest));
                }

                Fire(next, latest, running, now);
            }

            next.NextDueAt = following;
        });
        await StartRecordedRunAsync();
    }

    /// <summary>Records the run of one occurrence, unless the overlap policy holds it back.</summary>
    private void Fire(ScheduleState next, DateTimeOffset occurrence, Guid? running, DateTimeOffset now)
    {
        if (running is { } taskId)
        {
            if (next.Overlap == OverlapPolicy.Queue && next.Queue.Count < _options.MaxQueued)
            {
                next.Queue = [.. next.Queue, occurrence];
            }
            else
            {
                Skip(next, 1, ScheduleMessages.Overlapping(taskId));
            }

            return;
        }

        next.Starting = new ScheduleRun(OccurrenceIds.For(ScheduleId, occurrence), occurrence, now, Manual: false);
    }

    /// <summary>Runs the oldest queued occurrence once the previous run has ended.</summary>
    private async Task DrainQueueAsync()
    {
        if (S.Queue.Count == 0 || await RunningTaskAsync() is not null)
        {
            return;
        }

        var now = clock.GetUtcNow();
        await ChangeAsync(next =>
        {
            var occurrence = next.Queue[0];
            next.Queue = [.. next.Queue.Skip(1)];
            next.Starting = new ScheduleRun(OccurrenceIds.For(ScheduleId, occurrence), occurrence, now, Manual: false);
        });
        await StartRecordedRunAsync();
    }

    /// <summary>
    /// Starts the task of the recorded run (a no-op when it exists already) and moves the run into
    /// the recent runs; returns it, or null when there is none or the task was refused.
    /// </summary>
    private async Task<ScheduleRun?> StartRecordedRunAsync()
    {
        if (S.Starting is not { } run)
        {
            return null;
        }

        var template = S.Template!;
        try
        {
            await GrainFactory.GetGrain<IIndexTaskGrain>(run.TaskId).Start(TemplateTask.Start(template, S.OwnerId, ScheduleId));
        }
        catch (InvalidTaskRequestException exception)
        {
            // The template no longer works (its directory went away): the occurrence is skipped, the schedule goes on.
            await ChangeAsync(next =>
            {
                next.Starting = null;
                Skip(next, 1, ScheduleMessages.Refused(exception.Message));
            });
            return null;
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            Log.StartFailed(logger, exception, ScheduleId, run.TaskId, RetryStartSoon());
            throw;
        }

        _startFailures = 0;
        await ChangeAsync(next =>
        {
            next.Starting = null;
            next.RecentRuns = [run, .. next.RecentRuns.Take(_options.RecentRuns - 1)];
            next.Runs++;
        });
        Log.Fired(logger, ScheduleId, run.TaskId, run.Occurrence, run.Manual);
        return run;
    }

    /// <summary>The task of the latest run while it has not ended.</summary>
    private async Task<Guid?> RunningTaskAsync()
    {
        if (S.RecentRuns.Count == 0)
        {
            return null;
        }

        var taskId = S.RecentRuns[0].TaskId;
        return await GrainFactory.GetGrain<IIndexTaskGrain>(taskId).GetSnapshot() is { IsTerminal: false } ? taskId : null;
    }

    private static void Skip(ScheduleState next, int occurrences, string reason)
    {
        next.Skipped += occurrences;
        next.LastSkipReason = reason;
    }
}
