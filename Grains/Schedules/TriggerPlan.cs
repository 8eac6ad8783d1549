using Cronos;

namespace OrleansTasks.Schedules;

/// <summary>
/// A validated <see cref="ScheduleTrigger"/> that computes occurrences. Cron expressions are the
/// standard five fields, parsed and evaluated in their time zone by Cronos, which moves an
/// occurrence in a daylight-saving gap to the end of the gap and runs one in an overlap once.
/// </summary>
public sealed class TriggerPlan
{
    /// <summary>How many passed-over occurrences <see cref="CatchUp"/> counts one by one.</summary>
    public const int MaxCountedMissed = 100_000;

    private readonly ScheduleTrigger _trigger;
    private readonly CronExpression? _cron;
    private readonly TimeZoneInfo _zone;

    private TriggerPlan(ScheduleTrigger trigger, CronExpression? cron, TimeZoneInfo zone)
    {
        _trigger = trigger;
        _cron = cron;
        _zone = zone;
    }

    /// <summary>The plan of a trigger already accepted once.</summary>
    public static TriggerPlan Of(ScheduleTrigger trigger)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        return new(trigger,
            trigger.Cron is { } cron ? CronExpression.Parse(cron, CronFormat.Standard) : null,
            trigger.TimeZone is { } zone ? TimeZoneInfo.FindSystemTimeZoneById(zone) : TimeZoneInfo.Utc);
    }

    /// <summary>Checks a new trigger; throws <see cref="InvalidScheduleRequestException"/> naming the field.</summary>
    public static TriggerPlan Validate(ScheduleTrigger? trigger, DateTimeOffset now, TimeSpan grace)
    {
        if (trigger is null || new object?[] { trigger.At, trigger.Every, trigger.Cron }.Count(value => value is not null) != 1)
        {
            throw new InvalidScheduleRequestException("trigger", "Give exactly one of 'at' (a time), 'every' (an interval) and 'cron' (an expression).");
        }

        if (trigger.TimeZone is not null && trigger.Cron is null)
        {
            throw new InvalidScheduleRequestException("time_zone", "'time_zone' applies to 'cron' only; 'at' and 'start_at' carry their own offset.");
        }

        if (trigger.StartAt is not null && trigger.Every is null)
        {
            throw new InvalidScheduleRequestException("start_at", "'start_at' applies to 'every' only.");
        }

        if (trigger.At is { } at && at < now - grace)
        {
            throw new InvalidScheduleRequestException("at", "'at' is in the past.");
        }

        if (trigger.Every is { } every && (every < SchedulesOptions.MinimumInterval || every > TimeSpan.FromDays(3660)))
        {
            throw new InvalidScheduleRequestException("every", "'every' is an interval of at least 1 minute and at most 10 years.");
        }

        var cron = trigger.Cron is { } expression ? ParseCron(expression) : null;
        var zone = trigger.TimeZone is { } zoneId ? FindZone(zoneId) : TimeZoneInfo.Utc;
        var plan = new TriggerPlan(trigger, cron, zone);
        if (cron is not null && plan.NextAfter(now) is null)
        {
            throw new InvalidScheduleRequestException("cron", "The cron expression never falls due.");
        }

        return plan;
    }

    /// <summary>The first occurrence strictly after <paramref name="after"/>, or null when there is none.</summary>
    public DateTimeOffset? NextAfter(DateTimeOffset after)
    {
        if (_trigger.At is { } at)
        {
            return at > after ? at : null;
        }

        if (_trigger.Every is { } every)
        {
            var start = _trigger.StartAt ?? throw new InvalidOperationException("An interval trigger is stored with its start.");
            if (after < start)
            {
                return start;
            }

            var steps = (after - start).Ticks / every.Ticks + 1;
            return start + TimeSpan.FromTicks(steps * every.Ticks);
        }

        return _cron!.GetNextOccurrence(after, _zone);
    }

    /// <summary>
    /// What falls due at <paramref name="now"/> for a schedule whose next occurrence is <paramref name="due"/>
    /// (at or before <paramref name="now"/>): the latest occurrence up to now, how many before it were
    /// passed over, and the first one after now.
    /// </summary>
    public DueOccurrences CatchUp(DateTimeOffset due, DateTimeOffset now)
    {
        var latest = due;
        var missed = 0;
        var following = NextAfter(latest);
        while (following is { } candidate && candidate <= now)
        {
            missed++;
            latest = candidate;

            // Past this many, the rest are counted no further: a clock years ahead must not spin here.
            following = missed < MaxCountedMissed ? NextAfter(latest) : NextAfter(now);
        }

        return new DueOccurrences(latest, missed, following);
    }

    private static CronExpression ParseCron(string expression)
    {
        try
        {
            return CronExpression.Parse(expression, CronFormat.Standard);
        }
        catch (CronFormatException exception)
        {
            throw new InvalidScheduleRequestException("cron", $"'{expression}' is not a five-field cron expression: {exception.Message}");
        }
    }

    private static TimeZoneInfo FindZone(string zoneId)
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        }
        catch (Exception exception) when (exception is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw new InvalidScheduleRequestException("time_zone", $"'{zoneId}' is not a known time zone (use an IANA id such as 'Europe/Berlin').");
        }
    }
}
