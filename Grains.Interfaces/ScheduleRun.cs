namespace OrleansTasks;

/// <summary>One run of a schedule: the task it created, for which occurrence, and whether someone asked for it ("run now").</summary>
[GenerateSerializer, Immutable, Alias("OrleansTasks.ScheduleRun")]
public sealed record ScheduleRun(
    [property: Id(0)] Guid TaskId,
    [property: Id(1)] DateTimeOffset Occurrence,
    [property: Id(2)] DateTimeOffset StartedAt,
    [property: Id(3)] bool Manual);
