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

    /// <summary>
    /// Deactivates once the owner feeds have the last change: a deletion whose publication failed is
    /// published again by this activation, and no later one would (a list reads a schedule back only
    /// when it is due or has queued runs, so a paused or far-off one would stay listed).
    /// </summary>
    private void DeactivateOncePublished()
    {
        if (_ownerFeed is null)
        {
            DeactivateOnIdle();
            return;
        }

        _ownerFeed.WhenNothingHeld(DeactivateOnIdle);
    }
}
