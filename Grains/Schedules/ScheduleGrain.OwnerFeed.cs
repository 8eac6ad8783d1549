using OrleansTasks.Tasks;

namespace OrleansTasks.Schedules;

/// <summary>
/// The schedule's row on its owner's list feed and the cluster-wide one: each stored change, and a
/// last one marked deleted, so that lists follow pauses, edits, runs and deletions made anywhere.
/// </summary>
public sealed partial class ScheduleGrain
{
    private OwnerFeedPublisher<IOwnerFeedItem>? _ownerFeed;

    /// <summary>Never throws (see <see cref="OwnerFeedPublisher{T}"/>); a schedule's changes are rare, so none is held back.</summary>
    private Task PublishToOwnerFeedAsync(ScheduleSnapshot snapshot)
    {
        _ownerFeed ??= OwnerFeedPublishers.ForList(this, snapshot.OwnerId, clock, double.PositiveInfinity, () => Durable.IsRetired, logger);
        return _ownerFeed.OfferAsync(snapshot);
    }
}
