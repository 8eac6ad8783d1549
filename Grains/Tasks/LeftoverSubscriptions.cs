using Microsoft.Extensions.Logging;
using Orleans.Streams;
using Orleans.Streams.PubSub;

namespace OrleansTasks.Tasks;

/// <summary>The subscriptions left on an ended task's stream by watchers that died without unsubscribing.</summary>
public static partial class LeftoverSubscriptions
{
    public static async Task RemoveAsync(IStreamProvider provider, Guid taskId, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(provider);
        if (!provider.TryGetStreamSubscriptionManager(out var manager))
        {
            return;
        }

        var streamId = TaskStreams.ForTask(taskId);
        foreach (var subscription in await manager.GetSubscriptions(TaskStreams.ProviderName, streamId))
        {
            await manager.RemoveSubscription(TaskStreams.ProviderName, streamId, subscription.SubscriptionId);
            Removed(logger, taskId, subscription.SubscriptionId);
        }
    }

    [LoggerMessage(12, LogLevel.Information, "Task {TaskId}: removed stream subscription {SubscriptionId} left by a watcher that is gone")]
    private static partial void Removed(ILogger logger, Guid taskId, Guid subscriptionId);
}
