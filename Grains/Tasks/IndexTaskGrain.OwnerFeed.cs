namespace OrleansTasks.Tasks;

/// <summary>The task's changes on its owner's feed and the cluster-wide one, for lists and dashboards.</summary>
public sealed partial class IndexTaskGrain
{
    private OwnerFeedPublisher<TaskSummary>? _ownerFeed;

    /// <summary>Never throws (see <see cref="OwnerFeedPublisher{T}"/>).</summary>
    private Task PublishToOwnerFeedAsync(IndexTaskSnapshot snapshot)
    {
        _ownerFeed ??= OwnerFeedPublishers.ForTask(this, snapshot.OwnerId, time, _options.FeedProgressPerSecond, () => _task.Retired, logger);
        return _ownerFeed.OfferAsync(TaskSummary.From(snapshot));
    }
}
