namespace OrleansTasks;

/// <summary>The lists an owner feed carries changes of.</summary>
public enum OwnerFeedItemKind
{
    /// <summary>A task's row (<see cref="TaskSummary"/>).</summary>
    Task,
    /// <summary>A batch's row (<see cref="BatchSnapshot"/> without its tasks).</summary>
    Batch,
    /// <summary>A schedule's row (<see cref="ScheduleSnapshot"/>).</summary>
    Schedule,
}
