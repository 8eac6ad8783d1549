namespace OrleansTasks;

/// <summary>A new schedule of <see cref="OwnerId"/>: run <see cref="Task"/> on <see cref="Trigger"/>.</summary>
[GenerateSerializer, Immutable, Alias("OrleansTasks.CreateSchedule")]
public sealed record CreateSchedule(
    [property: Id(0)] string OwnerId,
    [property: Id(1)] string Name,
    [property: Id(2)] TaskTemplate Task,
    [property: Id(3)] ScheduleTrigger Trigger,
    [property: Id(4)] MissedRunPolicy Missed = MissedRunPolicy.RunOnce,
    [property: Id(5)] OverlapPolicy Overlap = OverlapPolicy.Skip,
    [property: Id(6)] bool Paused = false);
