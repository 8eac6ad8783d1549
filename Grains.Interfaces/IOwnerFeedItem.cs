namespace OrleansTasks;

/// <summary>
/// One item of an owner's lists as its feed carries it: a task's row (<see cref="TaskSummary"/>), a
/// batch's (<see cref="BatchSnapshot"/> without its tasks) or a schedule's (<see cref="ScheduleSnapshot"/>).
/// Each item's changes are ordered by its own <see cref="IFeedSnapshot.Seq"/>.
/// </summary>
public interface IOwnerFeedItem : IFeedSnapshot
{
    /// <summary>The task's, batch's or schedule's id.</summary>
    Guid ItemId { get; }

    /// <summary>Which list the item belongs to.</summary>
    OwnerFeedItemKind ItemKind { get; }

    /// <summary>
    /// What the item's row shows besides progress, as a number (a task's or batch's status, a
    /// schedule's paused flag): a change of it goes on the feed at once, progress is coalesced.
    /// </summary>
    int Phase { get; }

    /// <summary>True while it changes often (processing): a feed that hears nothing of it for a while reads it back sooner.</summary>
    bool IsBusy { get; }
}
