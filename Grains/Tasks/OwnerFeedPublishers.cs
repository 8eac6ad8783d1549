using Microsoft.Extensions.Logging;

namespace OrleansTasks.Tasks;

/// <summary>The owner-feed publishers of tasks, batches and schedules: which streams each uses and how often progress goes.</summary>
public static class OwnerFeedPublishers
{
    /// <summary>A task's rows go on the tasks' streams, progress at most <paramref name="perSecond"/> a second.</summary>
    public static OwnerFeedPublisher<TaskSummary> ForTask(IGrainBase grain, string ownerId, TimeProvider time, double perSecond, Func<bool> stopped, ILogger logger) =>
        Create<TaskSummary>(grain, TaskStreams.ForOwner(ownerId), TaskStreams.ForEveryone(), time, perSecond, stopped, logger);

    /// <summary>
    /// A batch's or schedule's rows go on the lists' streams, progress at most <paramref name="perSecond"/>
    /// a second (a schedule has none: each of its changes goes at once).
    /// </summary>
    public static OwnerFeedPublisher<IOwnerFeedItem> ForList(IGrainBase grain, string ownerId, TimeProvider time, double perSecond, Func<bool> stopped, ILogger logger) =>
        Create<IOwnerFeedItem>(grain, TaskStreams.ForOwnerLists(ownerId), TaskStreams.ForEveryoneLists(), time, perSecond, stopped, logger);

    private static OwnerFeedPublisher<T> Create<T>(
        IGrainBase grain, StreamId owner, StreamId everyone, TimeProvider time, double perSecond, Func<bool> stopped, ILogger logger)
        where T : class, IOwnerFeedItem
    {
        var streams = grain.GetStreamProvider(TaskStreams.ProviderName);
        return new(streams.GetStream<T>(owner), streams.GetStream<T>(everyone), new FeedThrottle<T>(time, TimeSpan.FromSeconds(1.0 / perSecond)), grain, stopped, logger);
    }
}
