namespace OrleansTasks.Tasks;

/// <summary>The task's changes on its owner's feed and the cluster-wide one, for lists and dashboards.</summary>
public sealed partial class IndexTaskGrain
{
    private OwnerFeedPublisher? _ownerFeed;
    private IGrainTimer? _ownerFeedFlush;

    /// <summary>Never throws (see <see cref="OwnerFeedPublisher"/>).</summary>
    private async Task PublishToOwnerFeedAsync(IndexTaskSnapshot snapshot)
    {
        _ownerFeed ??= new OwnerFeedPublisher(
            this.GetStreamProvider(TaskStreams.ProviderName),
            TaskId,
            snapshot.OwnerId,
            new FeedThrottle(time, TimeSpan.FromSeconds(1.0 / _options.FeedProgressPerSecond)),
            logger);
        await _ownerFeed.OfferAsync(snapshot);
        ArmOwnerFeedFlush();
    }

    /// <summary>Held-back changes go out when due, even if the task publishes nothing more by then.</summary>
    private void ArmOwnerFeedFlush()
    {
        if (_ownerFeedFlush is not null || _ownerFeed?.FlushDue is not { } due)
        {
            return;
        }

        _ownerFeedFlush = this.RegisterGrainTimer(
            async _ =>
            {
                _ownerFeedFlush?.Dispose();
                _ownerFeedFlush = null;
                if (_task.Retired)
                {
                    return;
                }

                await _ownerFeed!.FlushAsync();
                ArmOwnerFeedFlush();
            },
            new GrainTimerCreationOptions { DueTime = due, Period = Timeout.InfiniteTimeSpan });
    }
}
