using Orleans.Streams;

namespace OrleansTasks.Tasks;

/// <summary>
/// Puts a task's changes, as <see cref="TaskSummary"/> rows, on its owner's feed and on the
/// cluster-wide one (<see cref="TaskStreams.ForOwner"/>, <see cref="TaskStreams.ForEveryone"/>),
/// through a <see cref="FeedThrottle"/>. The grain calls <see cref="FlushAsync"/> when
/// <see cref="FlushDue"/> says held-back progress is due.
/// </summary>
public sealed class OwnerFeedPublisher(IStreamProvider streams, string ownerId, FeedThrottle throttle)
{
    private readonly IAsyncStream<TaskSummary> _owner = streams.GetStream<TaskSummary>(TaskStreams.ForOwner(ownerId));
    private readonly IAsyncStream<TaskSummary> _everyone = streams.GetStream<TaskSummary>(TaskStreams.ForEveryone());

    /// <summary>How long until held-back progress is due; null when nothing is held.</summary>
    public TimeSpan? FlushDue => throttle.HeldFor;

    /// <summary>Publishes <paramref name="snapshot"/> now, or holds it back as progress within the interval.</summary>
    public Task OfferAsync(IndexTaskSnapshot snapshot) =>
        throttle.Offer(snapshot) ? PublishAsync(TaskSummary.From(snapshot)) : Task.CompletedTask;

    /// <summary>Publishes held-back progress whose interval has passed.</summary>
    public Task FlushAsync() =>
        throttle.TakeDue() is { } due ? PublishAsync(TaskSummary.From(due)) : Task.CompletedTask;

    private Task PublishAsync(TaskSummary summary) => Task.WhenAll(_owner.OnNextAsync(summary), _everyone.OnNextAsync(summary));
}
