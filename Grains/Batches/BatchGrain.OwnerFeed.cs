using OrleansTasks.Tasks;

namespace OrleansTasks.Batches;

/// <summary>
/// The batch's row on its owner's list feed and the cluster-wide one: every change the batch
/// publishes on its own stream, without its tasks, progress at most
/// <see cref="TasksOptions.FeedProgressPerSecond"/> a second.
/// </summary>
public sealed partial class BatchGrain
{
    private OwnerFeedPublisher<IOwnerFeedItem>? _ownerFeed;

    /// <summary>Never throws (see <see cref="OwnerFeedPublisher{T}"/>).</summary>
    private Task PublishToOwnerFeedAsync(BatchSnapshot snapshot)
    {
        _ownerFeed ??= OwnerFeedPublishers.ForList(this, snapshot.OwnerId, time, _options.FeedProgressPerSecond, () => Durable.IsRetired, logger);
        return _ownerFeed.OfferAsync(snapshot.WithoutTasks());
    }
}
