using Orleans.Concurrency;

namespace OrleansTasks;

/// <summary>
/// A schedule, keyed by its id: it runs its task template at its trigger's occurrences, each as an
/// ordinary task linked to the schedule (<see cref="IndexTaskSnapshot.ScheduleId"/>). Durable: it
/// persists its next due time and wakes by a reminder; each occurrence runs at most once.
/// Version 1 added <see cref="RunNow(Guid)"/>.
/// </summary>
[Alias("OrleansTasks.IScheduleGrain"), Orleans.CodeGeneration.Version(1)]
public interface IScheduleGrain : IGrainWithGuidKey
{
    /// <summary>Validates and creates the schedule, or throws <see cref="InvalidScheduleRequestException"/> naming a field of the schedule body; calling it again returns the existing one.</summary>
    [Alias("Create")]
    Task<ScheduleSnapshot> Create(CreateSchedule request);

    /// <summary>The schedule, or <c>null</c> when none has this id.</summary>
    [Alias("GetSnapshot"), AlwaysInterleave]
    Task<ScheduleSnapshot?> GetSnapshot();

    /// <summary>
    /// Pauses the schedule (occurrences while paused are not run) or resumes it from the next
    /// occurrence to come. Null when there is no such schedule.
    /// </summary>
    [Alias("SetPaused")]
    Task<ScheduleSnapshot?> SetPaused(bool paused);

    /// <summary>Runs the template now, whatever the trigger, pause and overlap say; null when there is no such schedule.</summary>
    [Alias("RunNow")]
    Task<ScheduleRun?> RunNow();

    /// <summary>
    /// Runs the template now, once per <paramref name="requestId"/>: a repeated call with the same
    /// id (a retry after an error) answers the run the first one started and starts nothing more.
    /// </summary>
    [Alias("RunNowOnce")]
    Task<ScheduleRun?> RunNow(Guid requestId);

    /// <summary>Deletes the schedule; its runs stay as the tasks they are. False when there was none.</summary>
    [Alias("Delete")]
    Task<bool> Delete();
}
