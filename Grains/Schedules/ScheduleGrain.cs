using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansTasks.Tasks;

namespace OrleansTasks.Schedules;

/// <summary>
/// A schedule; see <see cref="IScheduleGrain"/>. A reminder wakes it at least every
/// <see cref="SchedulesOptions.CheckPeriod"/> and right at an occurrence within that period, so
/// occurrences however far away need no reminder set that far. Firing an occurrence starts a task
/// whose id derives from the occurrence, before the schedule moves past it: a doubled tick or a
/// retry after a crash starts the same task again, which is a no-op.
/// </summary>
[GrainType("schedule")]
public sealed partial class ScheduleGrain(
    [PersistentState("schedule", StorageNames.Tasks)] IPersistentState<ScheduleState> state,
    [FromKeyedServices(SchedulesOptions.ClockKey)] TimeProvider clock,
    IOptions<SchedulesOptions> options,
    IOptions<TasksOptions> tasks,
    ILogger<ScheduleGrain> logger) : Grain, IScheduleGrain, IRemindable, ITaskFollower
{
    public const string DueReminder = "due";
    public const int MaxNameLength = 200;

    private readonly SchedulesOptions _options = options.Value;
    private TriggerPlan? _plan;
    private DateTimeOffset? _armedFor;
    private bool _armed;
    private ScheduleSnapshot? _published;

    private ScheduleState S => state.State;

    private Guid ScheduleId => this.GetPrimaryKey();

    private TriggerPlan Plan => _plan ??= TriggerPlan.Of(S.Trigger!);

    public async Task<ScheduleSnapshot> Create(CreateSchedule request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (S.Accepted)
        {
            return Snapshot();
        }

        var now = clock.GetUtcNow();
        Validate(request);
        _plan = TriggerPlan.Validate(request.Trigger, now, _options.MissedGrace);
        var trigger = request.Trigger.Every is not null && request.Trigger.StartAt is null
            ? request.Trigger with { StartAt = now + request.Trigger.Every.Value }
            : request.Trigger;
        _plan = TriggerPlan.Of(trigger);
        state.State = new ScheduleState
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
        };
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            state.State = new ScheduleState();
            throw;
        }

        _published = Snapshot();
        Log.Created(logger, ScheduleId, S.OwnerId, S.NextDueAt);
        await GrainFactory.GetGrain<IUserListGrain>(IUserListGrain.Schedules(S.OwnerId)).Add(ScheduleId, now);
        await ArmAsync(now);
        return Snapshot();
    }

    /// <summary>The state as last persisted: a read between the steps of a change never sees half of it.</summary>
    public Task<ScheduleSnapshot?> GetSnapshot() => Task.FromResult(S.Accepted ? _published ??= Snapshot() : null);

    public async Task<ScheduleSnapshot?> SetPaused(bool paused)
    {
        if (!S.Accepted)
        {
            return null;
        }

        if (S.Paused != paused)
        {
            var now = clock.GetUtcNow();
            await ChangeAsync(() =>
            {
                S.Paused = paused;
                if (!paused && S.NextDueAt is { } due && due <= now)
                {
                    // Occurrences that fell due while paused are not run: go on with the next one to come.
                    S.NextDueAt = Plan.NextAfter(now);
                }

                return Task.CompletedTask;
            });
            Log.PausedChanged(logger, ScheduleId, paused);
            await ArmAsync(now);
        }

        return _published ??= Snapshot();
    }

    public async Task<ScheduleRun?> RunNow()
    {
        if (!S.Accepted)
        {
            return null;
        }

        ScheduleRun? run = null;
        await ChangeAsync(async () => run = await FireAsync(clock.GetUtcNow(), manual: true));
        return run;
    }

    public async Task<bool> Delete()
    {
        if (!S.Accepted)
        {
            return false;
        }

        await DisarmAsync();
        await GrainFactory.GetGrain<IUserListGrain>(IUserListGrain.Schedules(S.OwnerId)).Remove(ScheduleId);
        await state.ClearStateAsync();
        state.State = new ScheduleState();
        _published = null;
        Log.Deleted(logger, ScheduleId);
        DeactivateOnIdle();
        return true;
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != DueReminder)
        {
            return;
        }

        if (!S.Accepted)
        {
            await DisarmAsync();
            return;
        }

        var now = clock.GetUtcNow();
        await DrainQueueAsync();
        if (!S.Paused && S.NextDueAt is { } due && due <= now)
        {
            await ChangeAsync(() => FireDueAsync(now));
        }

        await ArmAsync(now);
    }

    public async Task OnTaskEnded(IndexTaskSnapshot final)
    {
        ArgumentNullException.ThrowIfNull(final);
        if (S.Accepted)
        {
            await DrainQueueAsync();
        }

        GrainFactory.GetGrain<IIndexTaskWorker>(final.TaskId).Acknowledge(this.GetGrainId()).Ignore();
    }

    public Task OnTaskChanged(IndexTaskSnapshot snapshot) => Task.CompletedTask;

    /// <summary>
    /// Fires what has fallen due: the latest due occurrence stands for any missed before it, and is
    /// itself skipped when it is late beyond the grace under the missed-run policy <c>skip</c>.
    /// </summary>
    private async Task FireDueAsync(DateTimeOffset now)
    {
        var latest = S.NextDueAt!.Value;
        var missed = 0;
        var next = Plan.NextAfter(latest);
        while (next is { } candidate && candidate <= now)
        {
            missed++;
            latest = candidate;
            next = missed < 100_000 ? Plan.NextAfter(latest) : Plan.NextAfter(now);
        }

        if (S.Missed == MissedRunPolicy.Skip && now - latest > _options.MissedGrace)
        {
            Skip(missed + 1, ScheduleMessages.Missed(latest));
        }
        else
        {
            if (missed > 0)
            {
                Skip(missed, ScheduleMessages.Missed(latest));
            }

            await FireAsync(latest, manual: false);
        }

        S.NextDueAt = next;
    }

    /// <summary>Starts the run of one occurrence, unless the overlap policy holds it back; returns the run started.</summary>
    private async Task<ScheduleRun?> FireAsync(DateTimeOffset occurrence, bool manual)
    {
        if (!manual && S.RecentRuns.Count > 0 && !await HasEndedAsync(S.RecentRuns[0].TaskId))
        {
            if (S.Overlap == OverlapPolicy.Queue && S.Queue.Count < _options.MaxQueued)
            {
                S.Queue = [.. S.Queue, occurrence];
            }
            else
            {
                Skip(1, ScheduleMessages.Overlapping(S.RecentRuns[0].TaskId));
            }

            return null;
        }

        var taskId = manual ? Guid.NewGuid() : OccurrenceIds.For(ScheduleId, occurrence);
        var template = S.Template!;
        try
        {
            await GrainFactory.GetGrain<IIndexTaskGrain>(taskId).Start(
                new StartIndexTask(S.OwnerId, template.Collection, template.Documents, template.Source, ScheduleId: ScheduleId));
        }
        catch (InvalidTaskRequestException exception)
        {
            // The template no longer works (its directory went away): the occurrence is skipped, the schedule goes on.
            Skip(1, ScheduleMessages.Refused(exception.Message));
            return null;
        }

        var run = new ScheduleRun(taskId, occurrence, clock.GetUtcNow(), manual);
        S.RecentRuns = [run, .. S.RecentRuns.Take(_options.RecentRuns - 1)];
        S.Runs++;
        Log.Fired(logger, ScheduleId, taskId, occurrence, manual);
        return run;
    }

    /// <summary>Runs the oldest queued occurrence once the previous run has ended.</summary>
    private async Task DrainQueueAsync()
    {
        if (S.Queue.Count == 0 || (S.RecentRuns.Count > 0 && !await HasEndedAsync(S.RecentRuns[0].TaskId)))
        {
            return;
        }

        await ChangeAsync(async () =>
        {
            var occurrence = S.Queue[0];
            S.Queue = [.. S.Queue.Skip(1)];
            await FireAsync(occurrence, manual: false);
        });
    }

    private async Task<bool> HasEndedAsync(Guid taskId) =>
        await GrainFactory.GetGrain<IIndexTaskGrain>(taskId).GetSnapshot() is not { IsTerminal: false };

    private void Skip(int occurrences, string reason)
    {
        S.Skipped += occurrences;
        S.LastSkipReason = reason;
        Log.Skipped(logger, ScheduleId, occurrences, reason);
    }

    /// <summary>Applies a change and persists it; a change that cannot be persisted is undone.</summary>
    private async Task ChangeAsync(Func<Task> change)
    {
        var before = S.Copy();
        try
        {
            await change();
            S.UpdatedAt = clock.GetUtcNow();
            await state.WriteStateAsync();
        }
        catch
        {
            state.State = before;
            throw;
        }

        _published = Snapshot();
    }

    /// <summary>
    /// Keeps the reminder ticking every check period while there is something to fire, and right
    /// at the next occurrence when it falls within the period; removes it when there is nothing.
    /// </summary>
    private async Task ArmAsync(DateTimeOffset now)
    {
        if (S.Paused || (S.NextDueAt is null && S.Queue.Count == 0))
        {
            await DisarmAsync();
            return;
        }

        var untilDue = S.NextDueAt is { } due ? due - now : TimeSpan.MaxValue;
        var precise = untilDue <= _options.CheckPeriod;
        if (_armed && (!precise || _armedFor == S.NextDueAt))
        {
            return;
        }

        var dueTime = precise ? (untilDue < TimeSpan.Zero ? TimeSpan.Zero : untilDue) : _options.CheckPeriod;
        await this.RegisterOrUpdateReminder(DueReminder, dueTime, _options.CheckPeriod);
        _armed = true;
        _armedFor = precise ? S.NextDueAt : null;
    }

    private async Task DisarmAsync()
    {
        if (await this.GetReminder(DueReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }

        _armed = false;
        _armedFor = null;
    }

    private void Validate(CreateSchedule request)
    {
        if (request.Name is null || request.Name.Length > MaxNameLength || request.Name.Any(char.IsControl))
        {
            throw new InvalidTaskRequestException("name", $"A schedule's name is at most {MaxNameLength} characters without control characters.");
        }

        if (request.Task is null)
        {
            throw new InvalidTaskRequestException("task", "A schedule needs the 'task' it runs.");
        }

        TaskRequestValidator.Validate(new StartIndexTask(request.OwnerId, request.Task.Collection, request.Task.Documents, request.Task.Source), tasks.Value);
        if (!request.Task.Documents.IsDefault && request.Task.Documents.Length > _options.MaxTemplateDocuments)
        {
            throw new InvalidTaskRequestException("task.documents",
                $"A schedule's task holds at most {_options.MaxTemplateDocuments} inline documents; use a directory source for more.");
        }

        if (!Enum.IsDefined(request.Missed) || !Enum.IsDefined(request.Overlap))
        {
            throw new InvalidTaskRequestException("policy", "Unknown missed-run or overlap policy.");
        }
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
    };
}
