namespace OrleansTasks.Schedules;

/// <summary>
/// The schedule's reminder. It ticks every check period while there is something to fire, and
/// right at the next occurrence when that falls within the period; it also keeps ticking until
/// the schedule is in its owner's list and its recorded run has started, so that a call that
/// failed midway is finished without the caller. It is removed when there is nothing to do; after
/// a deletion it ticks once more, when the tombstone kept against a replayed Idempotency-Key ends.
/// </summary>
public sealed partial class ScheduleGrain
{
    /// <summary>How long a deleted schedule keeps its tombstone: a little longer than its Idempotency-Key may be replayed.</summary>
    private static readonly TimeSpan TombstoneLifetime = Tasks.IdempotencyKeyGrain.Lifetime + TimeSpan.FromHours(1);

    private DateTimeOffset? _armedFor;
    private bool _armed;
    private bool _listed;

    private async Task ArmAsync(DateTimeOffset now)
    {
        var idle = S.Paused || (S.NextDueAt is null && S.Queue.Count == 0);
        if (idle && _listed && S.Starting is null)
        {
            await DisarmAsync();
            return;
        }

        if (idle)
        {
            if (!_armed || _armedFor is not null)
            {
                await ArmForCheckAsync();
            }

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

    private async Task ArmForCheckAsync()
    {
        await this.RegisterOrUpdateReminder(DueReminder, _options.CheckPeriod, _options.CheckPeriod);
        _armed = true;
        _armedFor = null;
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

    /// <summary>A deleted schedule's reminder: once, when its Idempotency-Key can no longer be replayed.</summary>
    private async Task ArmForTombstoneAsync()
    {
        var left = TombstoneLifetime - (clock.GetUtcNow() - S.UpdatedAt);
        var dueTime = left > _options.CheckPeriod ? left : _options.CheckPeriod;
        await this.RegisterOrUpdateReminder(DueReminder, dueTime, TombstoneLifetime);
        _armed = true;
        _armedFor = null;
    }

    /// <summary>
    /// A reminder of a schedule that is not there: a deleted one's state is cleared once its key has
    /// expired (until then the reminder is moved to that time), and the reminder removes itself.
    /// </summary>
    private async Task EndTombstoneAsync()
    {
        if (S.Deleted && clock.GetUtcNow() - S.UpdatedAt < TombstoneLifetime)
        {
            await ArmForTombstoneAsync();
            return;
        }

        if (S.Deleted)
        {
            await Durable.ClearAsync(new ScheduleState());
        }

        await DisarmAsync();
    }

    /// <summary>Puts the schedule in its owner's list (a projection, never a reason to undo); the reminder retries.</summary>
    private async Task ListAsync()
    {
        if (_listed)
        {
            return;
        }

        try
        {
            await GrainFactory.GetGrain<IUserListGrain>(IUserListGrain.Schedules(S.OwnerId)).Add(ScheduleId, S.CreatedAt);
            _listed = true;
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            Log.ListingFailed(logger, exception, ScheduleId);
        }
    }
}
