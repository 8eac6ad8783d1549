using OrleansTasks.Tasks;

namespace OrleansTasks.Admission;

/// <param name="DefaultSlots">The slots of a silo that has not said how many it has.</param>
/// <param name="MaxRunningPerUser">How many of one owner's tasks may hold a slot at once; 0 for no limit.</param>
/// <param name="Ageing">A waiting task rises one priority level each time this much has passed.</param>
/// <param name="GraceForGone">
/// How long a slot granted and not taken stays granted, and how long a task whose silo is gone keeps
/// its turn (a free slot is kept for it, not for those after it) while it is woken to ask again from a live silo.
/// </param>
/// <param name="WakeInterval">How often a task whose silo is gone is woken again.</param>
public sealed record AdmissionSettings(int DefaultSlots, int MaxRunningPerUser, TimeSpan Ageing, TimeSpan GraceForGone, TimeSpan WakeInterval)
{
    /// <summary>How long the queue's stored index may stay behind its grants (see <see cref="AdmissionSaves"/>).</summary>
    public TimeSpan IndexFlush { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a queue that loaded an index behind its grants waits for every live silo to say what it holds before it
    /// grants anyway: a silo holding a slot reports at least once per <see cref="WakeInterval"/>; one holding none may never.
    /// </summary>
    public TimeSpan ReportWait => WakeInterval * 2;

    public static AdmissionSettings From(TasksOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new(options.MaxRunningPerSilo, options.MaxRunningPerUser, options.PriorityAgeing,
            options.LeasePeriod * 2, options.LeasePeriod / 3);
    }
}
