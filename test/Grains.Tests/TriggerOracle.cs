using OrleansTasks.Schedules;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// A trigger's occurrences worked out without <see cref="TriggerPlan"/> or Cronos, as the documents
/// state them: an interval's by arithmetic from its start; a cron expression's by checking its five
/// fields against the wall clock of its time zone minute by minute, a daylight-saving gap's matches
/// run once at the end of the gap, and in an overlap a match runs in the first pass, and again in the
/// second only for an interval expression (a <c>*</c>, <c>-</c> or <c>/</c> in its minute or hour field,
/// as in Vixie cron).
/// </summary>
internal static class TriggerOracle
{
    /// <summary>The occurrences after <paramref name="after"/> up to and including <paramref name="upTo"/>, in order.</summary>
    public static List<DateTimeOffset> Occurrences(ScheduleTrigger trigger, DateTimeOffset after, DateTimeOffset upTo)
    {
        if (trigger.At is { } at)
        {
            return at > after && at <= upTo ? [at] : [];
        }

        if (trigger.Every is { } every)
        {
            var start = trigger.StartAt!.Value;
            var first = after < start ? 0 : ((after - start).Ticks / every.Ticks) + 1;
            var occurrences = new List<DateTimeOffset>();
            for (var k = first; start.AddTicks(k * every.Ticks) <= upTo; k++)
            {
                occurrences.Add(start.AddTicks(k * every.Ticks));
            }

            return occurrences;
        }

        return Cron(trigger.Cron!, TimeZoneInfo.FindSystemTimeZoneById(trigger.TimeZone ?? "UTC"), after, upTo);
    }

    private static List<DateTimeOffset> Cron(string expression, TimeZoneInfo zone, DateTimeOffset after, DateTimeOffset upTo)
    {
        var fields = expression.Split(' ');
        var minutes = Field(fields[0], 0, 59);
        var hours = Field(fields[1], 0, 23);
        var days = Field(fields[2], 1, 31);
        var months = Field(fields[3], 1, 12);
        var weekdays = Field(fields[4], 0, 7);
        weekdays[0] |= weekdays[7];
        var interval = fields[0..2].Any(field => field.IndexOfAny(['*', '-', '/']) >= 0);
        bool Matches(DateTime wall) => minutes[wall.Minute] && hours[wall.Hour] && days[wall.Day] && months[wall.Month] && weekdays[(int)wall.DayOfWeek];

        var occurrences = new List<DateTimeOffset>();
        var instant = new DateTimeOffset(after.UtcTicks - (after.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero).AddMinutes(1);
        var previous = TimeZoneInfo.ConvertTime(instant.AddMinutes(-1), zone).DateTime;
        for (; instant <= upTo; instant = instant.AddMinutes(1))
        {
            var local = TimeZoneInfo.ConvertTime(instant, zone);
            var wall = local.DateTime;
            bool fires;
            if (wall - previous > TimeSpan.FromMinutes(1))
            {
                // A gap: the wall-clock minutes it skipped run, once, where it ends.
                fires = false;
                for (var skipped = previous.AddMinutes(1); skipped <= wall; skipped = skipped.AddMinutes(1))
                {
                    fires |= Matches(skipped);
                }
            }
            else
            {
                var secondPass = zone.IsAmbiguousTime(local) && local.Offset == zone.BaseUtcOffset;
                fires = Matches(wall) && (!secondPass || interval);
            }

            if (fires)
            {
                occurrences.Add(instant);
            }

            previous = wall;
        }

        return occurrences;
    }

    /// <summary>The values a cron field allows: lists of <c>*</c>, <c>n</c>, <c>a-b</c>, each with an optional <c>/step</c>.</summary>
    private static bool[] Field(string field, int first, int last)
    {
        var allowed = new bool[last + 1];
        foreach (var part in field.Split(','))
        {
            var (range, step) = part.Split('/') is [var r, var s] ? (r, int.Parse(s, System.Globalization.CultureInfo.InvariantCulture)) : (part, 1);
            var (low, high) = range == "*" ? (first, last)
                : range.Split('-') is [var a, var b] ? (Number(a), Number(b))
                : (Number(range), part.Contains('/') ? last : Number(range));
            for (var value = low; value <= high; value += step)
            {
                allowed[value] = true;
            }
        }

        return allowed;
    }

    private static int Number(string text) => int.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
}
