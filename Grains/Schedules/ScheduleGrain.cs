using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Serialization;
using OrleansTasks.Storage;
using OrleansTasks.Tasks;

namespace OrleansTasks.Schedules;

/// <summary>
/// A schedule; see <see cref="IScheduleGrain"/>. A reminder wakes it at least every
/// <see cref="SchedulesOptions.CheckPeriod"/> and right at an occurrence within that period, so
/// occurrences however far away need no reminder set that far. Firing an occurrence is recorded
/// before its task is started (see the runs part), and every write goes through
/// <see cref="DurableState{TState}"/>: memory never holds a change storage refused.
/// </summary>
[GrainType("schedule")]
public sealed partial class ScheduleGrain(
    [PersistentState("schedule", StorageNames.Tasks)] IPersistentState<ScheduleState> state,
    [FromKeyedServices(SchedulesOptions.ClockKey)] TimeProvider clock,
    DeepCopier copier,
    IOptions<SchedulesOptions> options,
    IOptions<TasksOptions> tasks,
    ILogger<ScheduleGrain> logger) : Grain, IScheduleGrain, IRemindable, ITaskFollower
{
    public const string DueReminder = "due";
    public const int MaxNameLength = 200;

    private readonly SchedulesOptions _options = options.Value;
    private TriggerPlan? _plan;
    private ScheduleSnapshot? _published;
    private DurableState<ScheduleState>? _durable;

    private DurableState<ScheduleState> Durable => _durable ??= new(state, copier, DeactivateOnIdle);

    private ScheduleState S => state.State;

    private Guid ScheduleId => this.GetPrimaryKey();

    private TriggerPlan Plan => _plan ??= TriggerPlan.Of(S.Trigger!);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _published = S.Accepted ? Snapshot() : null;
        if (S.Accepted && S.Starting is not null)
        {
            RetryStartSoon();
        }

        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (Durable.IsRetired)
        {
            // A write failed: the next activation, woken at once, reads storage and starts a run
            // recorded there. While storage stays out of reach it cannot activate; the reminder wakes it later.
            this.AsReference<IScheduleGrain>().GetSnapshot().Ignore();
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Creates the schedule, or finishes creating it: a repeated call (the same Idempotency-Key)
    /// after one that failed past its write puts the schedule in its owner's list and arms it; one
    /// after the schedule was deleted is refused (<see cref="DeletedSinceCreatedException"/>).
    /// </summary>
    public async Task<ScheduleSnapshot> Create(CreateSchedule request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (S.Accepted)
        {
            await ListAsync();
            await ArmAsync(clock.GetUtcNow());
            return Snapshot();
        }

        if (S.Deleted)
        {
            throw new DeletedSinceCreatedException(ScheduleId,
                "The schedule this Idempotency-Key created has been deleted; use a new key to create another.");
        }

        var now = clock.GetUtcNow();
        ScheduleRequestValidator.Validate(request, tasks.Value, _options);
        _plan = TriggerPlan.Validate(request.Trigger, now, _options.MissedGrace);
        var trigger = request.Trigger.Every is not null && request.Trigger.StartAt is null
            ? request.Trigger with { StartAt = now + request.Trigger.Every.Value }
            : request.Trigger;
        _plan = TriggerPlan.Of(trigger);

        // The reminder comes before the schedule: it finishes a creation that fails after the
        // write, and a reminder that finds no schedule removes itself.
        await ArmForCheckAsync();
        await Durable.WriteAsync(new ScheduleState
        {
            Accepted = true,
            OwnerId = request.OwnerId,
            Name = request.Name,
            Template = request.Task,
            Trigger = trigger,
            Missed = request.Missed,
            Overlap = request.Overlap,
            Paused = request.Paused,
            NextDueAt = trigger.At is { } at ? at : _plan.NextAfter(now),
            CreatedAt = now,
            UpdatedAt = now,
            Seq = 1,
        });

        _published = Snapshot();
        Log.Created(logger, ScheduleId, S.OwnerId, S.NextDueAt);
        await ListAsync();

        // Once listed: a list read again on this message shows the new schedule.
        await PublishToOwnerFeedAsync(_published);
        await ArmAsync(now);
        return Snapshot();
    }

    /// <summary>The state as last persisted: a read interleaved with a write never sees what is being written.</summary>
    public Task<ScheduleSnapshot?> GetSnapshot() => Task.FromResult(_published);

    public async Task<ScheduleSnapshot?> SetPaused(bool paused)
    {
        if (!S.Accepted)
        {
            return null;
        }

        if (S.Paused != paused)
        {
            var now = clock.GetUtcNow();
            if (!paused)
            {
                // As in Create, the reminder first: it was removed while paused, and a resume whose
                // arming failed after its write would show a next run that never fires.
                await ArmForCheckAsync();
            }

            await ChangeAsync(next =>
            {
                next.Paused = paused;
                if (!paused && next.NextDueAt is { } due && due <= now)
                {
                    // Occurrences that fell due while paused are not run: go on with the next one to come.
                    next.NextDueAt = Plan.NextAfter(now);
                }
            });
            Log.PausedChanged(logger, ScheduleId, paused);
        }

        // Also when nothing changed: a repeated call after one whose arming failed arms it.
        await ArmAsync(clock.GetUtcNow());
        return _published;
    }

    public async Task<bool> Delete()
    {
        if (!S.Accepted)
        {
            return false;
        }

        // Gone first; the list entry follows (a list skips schedules that are gone), and the
        // reminder is moved to the end of the tombstone's time, when it clears the state.
        var owner = S.OwnerId;
        var deleted = Snapshot().WithDeleted(S.Seq + 1, clock.GetUtcNow());
        await Durable.WriteAsync(new ScheduleState { Deleted = true, OwnerId = owner, Seq = deleted.Seq, UpdatedAt = deleted.UpdatedAt });
        _published = null;
        await PublishToOwnerFeedAsync(deleted);
        Log.Deleted(logger, ScheduleId);
        foreach (var cleanup in new Func<Task>[] { () => GrainFactory.GetGrain<IUserListGrain>(IUserListGrain.Schedules(owner)).Remove(ScheduleId), ArmForTombstoneAsync })
        {
            try
            {
                await cleanup();
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                Log.CleanupFailed(logger, exception, ScheduleId);
            }
        }

        DeactivateOncePublished();
        return true;
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != DueReminder || Durable.IsRetired)
        {
            return;
        }

        if (!S.Accepted)
        {
            await EndTombstoneAsync();
            return;
        }

        var now = clock.GetUtcNow();
        await ListAsync();
        await StartRecordedRunAsync();
        await DrainQueueAsync();
        if (!S.Paused && S.NextDueAt is { } due && due <= now)
        {
            await FireDueAsync(now);
        }

        await ArmAsync(now);
    }

    public async Task OnTaskEnded(IndexTaskSnapshot final)
    {
        ArgumentNullException.ThrowIfNull(final);
        if (Durable.IsRetired)
        {
            return;
        }

        if (S.Accepted)
        {
            await StartRecordedRunAsync();
            await DrainQueueAsync();
        }

        GrainFactory.GetGrain<IIndexTaskWorker>(final.TaskId).Acknowledge(this.GetGrainId()).Ignore();
    }

    public Task OnTaskChanged(IndexTaskSnapshot snapshot) => Task.CompletedTask;

    /// <summary>Applies a change to a copy and persists it; memory takes it only once it is stored.</summary>
    private async Task ChangeAsync(Action<ScheduleState> change)
    {
        var before = S;
        await Durable.CommitAsync(next =>
        {
            change(next);
            next.UpdatedAt = clock.GetUtcNow();
            next.Seq++;
        });
        if (S.Skipped > before.Skipped)
        {
            Log.Skipped(logger, ScheduleId, S.Skipped - before.Skipped, S.LastSkipReason ?? "");
        }

        _published = Snapshot();
        await PublishToOwnerFeedAsync(_published);
    }

    private ScheduleSnapshot Snapshot() => new()
    {
        ScheduleId = ScheduleId,
        OwnerId = S.OwnerId,
        Name = S.Name,
        Collection = S.Template!.Collection,
        Trigger = S.Trigger!,
        Missed = S.Missed,
        Overlap = S.Overlap,
        Paused = S.Paused,
        NextRunAt = S.Paused ? null : S.NextDueAt,
        RecentRuns = [.. S.RecentRuns],
        Runs = S.Runs,
        Skipped = S.Skipped,
        Queued = S.Queue.Count,
        LastSkipReason = S.LastSkipReason,
        CreatedAt = S.CreatedAt,
        UpdatedAt = S.UpdatedAt,
        Priority = S.Template!.Priority,
        Retry = S.Template!.Retry,
        Timeout = S.Template!.Timeout,
        Seq = S.Seq,
    };
}
