namespace OrleansTasks;

/// <summary>
/// When a schedule runs: once <see cref="At"/> a time; <see cref="Every"/> interval from
/// <see cref="StartAt"/>; or on a <see cref="Cron"/> expression in <see cref="TimeZone"/> (an IANA
/// or Windows id; UTC when not given). Exactly one of <see cref="At"/>, <see cref="Every"/> and
/// <see cref="Cron"/> is set.
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansTasks.ScheduleTrigger")]
public sealed record ScheduleTrigger(
    [property: Id(0)] DateTimeOffset? At = null,
    [property: Id(1)] TimeSpan? Every = null,
    [property: Id(2)] DateTimeOffset? StartAt = null,
    [property: Id(3)] string? Cron = null,
    [property: Id(4)] string? TimeZone = null)
{
    /// <summary>Once, at <paramref name="at"/>.</summary>
    public static ScheduleTrigger Once(DateTimeOffset at) => new(At: at);

    /// <summary>Every <paramref name="every"/>, from <paramref name="startAt"/> (now when null).</summary>
    public static ScheduleTrigger Interval(TimeSpan every, DateTimeOffset? startAt = null) => new(Every: every, StartAt: startAt);

    /// <summary>At the times of a five-field cron <paramref name="expression"/> in <paramref name="timeZone"/> (UTC when null).</summary>
    public static ScheduleTrigger CronExpression(string expression, string? timeZone = null) => new(Cron: expression, TimeZone: timeZone);
}
