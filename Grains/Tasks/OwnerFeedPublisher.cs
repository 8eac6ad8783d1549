using Microsoft.Extensions.Logging;
using Orleans.Streams;

namespace OrleansTasks.Tasks;

/// <summary>
/// Puts a task's changes, as <see cref="TaskSummary"/> rows, on its owner's feed and on the
/// cluster-wide one (<see cref="TaskStreams.ForOwner"/>, <see cref="TaskStreams.ForEveryone"/>),
/// through a <see cref="FeedThrottle"/>. Never throws: a change that could not be published is
/// logged and held again, and the grain calls <see cref="FlushAsync"/> when <see cref="FlushDue"/>
/// says held-back changes are due.
/// </summary>
public sealed partial class OwnerFeedPublisher(IStreamProvider streams, Guid taskId, string ownerId, FeedThrottle throttle, ILogger logger)
{
    private readonly IAsyncStream<TaskSummary> _owner = streams.GetStream<TaskSummary>(TaskStreams.ForOwner(ownerId));
    private readonly IAsyncStream<TaskSummary> _everyone = streams.GetStream<TaskSummary>(TaskStreams.ForEveryone());

    /// <summary>How long until a held-back change is due; null when nothing is held.</summary>
    public TimeSpan? FlushDue => throttle.HeldFor;

    /// <summary>Publishes <paramref name="snapshot"/> now, or holds it back as progress within the interval.</summary>
    public Task OfferAsync(IndexTaskSnapshot snapshot) =>
        throttle.Offer(snapshot) ? PublishAsync(snapshot) : Task.CompletedTask;

    /// <summary>Publishes a held-back change whose interval has passed.</summary>
    public Task FlushAsync() =>
        throttle.TakeDue() is { } due ? PublishAsync(due) : Task.CompletedTask;

    private async Task PublishAsync(IndexTaskSnapshot snapshot)
    {
        var summary = TaskSummary.From(snapshot);
        try
        {
            await Task.WhenAll(_owner.OnNextAsync(summary), _everyone.OnNextAsync(summary));
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // The task's own stream is not concerned; lists reconcile, and the change goes again.
            Log.Failed(logger, exception, taskId, snapshot.Seq);
            throttle.Failed(snapshot);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(19, LogLevel.Warning, "Task {TaskId}: publishing seq {Seq} on the owner feeds failed; it is published again shortly")]
        public static partial void Failed(ILogger logger, Exception exception, Guid taskId, long seq);
    }
}
