namespace OrleansTasks.Benchmarks.SmallTasks;

/// <summary>
/// What admission did to a side's measured tasks, read from their times alone (task n is user
/// <see cref="AdmissionMix.UserOf"/>'s on every side; on a side without users or limits that user is
/// only a label, which shows what a limit would have had to stop):
/// <list type="bullet">
/// <item><see cref="PeakPerUser"/>: the most tasks of one user processing at the same instant.</item>
/// <item><see cref="PassedOver"/>: starts that went past a task accepted before this one was even
/// submitted, of equal or higher priority, still waiting, whose user had a task processing. A limit
/// of 1 causes such starts, but so does anything else that takes tasks out of arrival order: on
/// OrleansTasks a task waits for a slot on its own silo, so a slot freed on the other silo goes to a
/// later task there, and the plain side counts as many. It says little; the peak is the evidence.</item>
/// <item><see cref="MeanWaitMs"/>: submission to start, by priority.</item>
/// </list>
/// </summary>
internal sealed record RulesHeld(int PeakPerUser, int PassedOver, IReadOnlyDictionary<TaskPriority, double> MeanWaitMs)
{
    public static RulesHeld Of(SideResult side, Func<int, TaskPriority> priorityOf)
    {
        ArgumentNullException.ThrowIfNull(side);
        var tasks = side.Tasks
            .Select((timing, number) => (Timing: timing, User: AdmissionMix.UserOf(number), Priority: priorityOf(number)))
            .Where(task => task.Timing is { End: TaskEnd.Completed, Started: not null, Finished: not null })
            .ToArray();
        return new RulesHeld(
            PeakOfOneUser(tasks.Select(task => (task.User, task.Timing))),
            CountPassedOver(tasks),
            tasks.GroupBy(task => task.Priority).ToDictionary(
                group => group.Key,
                group => group.Average(task => (task.Timing.Started!.Value - task.Timing.Submitted).TotalMilliseconds)));
    }

    private static int PeakOfOneUser(IEnumerable<(int User, TaskTiming Timing)> tasks) =>
        tasks.GroupBy(task => task.User)
            .Select(user => user
                .SelectMany(task => new[] { (At: task.Timing.Started!.Value, Change: 1), (At: task.Timing.Finished!.Value, Change: -1) })
                .OrderBy(change => change.At).ThenBy(change => change.Change) // an end at the instant of a start comes first
                .Aggregate((Now: 0, Peak: 0), (count, change) => (count.Now + change.Change, Math.Max(count.Peak, count.Now + change.Change)))
                .Peak)
            .DefaultIfEmpty(0)
            .Max();

    private static int CountPassedOver((TaskTiming Timing, int User, TaskPriority Priority)[] tasks)
    {
        var passed = 0;
        foreach (var task in tasks)
        {
            var start = task.Timing.Started!.Value;
            var busy = new HashSet<int>(tasks
                .Where(other => other.Timing.Started <= start && other.Timing.Finished > start && !ReferenceEquals(other.Timing, task.Timing))
                .Select(other => other.User));
            if (tasks.Any(earlier => earlier.Priority >= task.Priority && earlier.Timing.Accepted < task.Timing.Submitted
                && earlier.Timing.Started > start && busy.Contains(earlier.User)))
            {
                passed++;
            }
        }

        return passed;
    }
}
