namespace OrleansTasks.Tasks;

/// <summary>The task's changes on its owner's feed and the cluster-wide one, for lists and dashboards.</summary>
public sealed partial class IndexTaskGrain
{
    private OwnerFeedPublisher? _ownerFeed;
    private IGrainTimer? _ownerFeedFlush;

    private Task PublishToOwnerFeedAsync(IndexTaskSnapshot snapshot)
    {
        _ownerFeed ??= new OwnerFeedPublisher(
            this.GetStreamProvider(TaskStreams.ProviderName),
            snapshot.OwnerId,
            new FeedThrottle(time, TimeSpan.FromSeconds(1.0 / _options.FeedProgressPerSecond)));
        var publishing = _ownerFeed.OfferAsync(snapshot);
        ArmOwnerFeedFlush();
        return publishing;
    }

    /// <summary>Held-back progress goes out when due, even if the task publishes nothing more by then.</summary>
    private void ArmOwnerFeedFlush()
    {
        if (_ownerFeed?.FlushDue is not { } due)
        {
            return;
        }

        _ownerFeedFlush?.Dispose();
        _ownerFeedFlush = this.RegisterGrainTimer(
            async _ =>
            {
                try
                {
                    await _ownerFeed.FlushAsync();
                }
                catch (Exception exception) when (exception is not OutOfMemoryException)
                {
                    Log.OwnerFeedFailed(logger, exception, TaskId);
                }
            },
            new GrainTimerCreationOptions { DueTime = due, Period = Timeout.InfiniteTimeSpan });
    }
}
