using System.Runtime.CompilerServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OrleansTasks.Feeds;
using OrleansTasks.Hosting;

namespace OrleansTasks.Watching;

/// <summary>
/// Watches through this process's shared feeds: attach (subscribing when first), read the grain's
/// snapshot, then hand out what the feed queues until the terminal snapshot. Every watch ends with
/// <see cref="OperationCanceledException"/> once the host stops.
/// </summary>
internal sealed class TaskWatcher(
    FeedRegistry<IndexTaskSnapshot> tasks,
    FeedRegistry<BatchSnapshot> batches,
    OwnerFeedRegistry owners,
    IGrainFactory grains,
    IOptions<OrleansTasksClientOptions> options,
    IHostApplicationLifetime lifetime)
    : ITaskWatcher
{
    public IAsyncEnumerable<IndexTaskSnapshot> WatchTaskAsync(Guid taskId, CancellationToken cancellationToken = default) =>
        WatchAsync(tasks, taskId, id => new TaskNotFoundException(id), cancellationToken);

    public IAsyncEnumerable<BatchSnapshot> WatchBatchAsync(Guid batchId, CancellationToken cancellationToken = default) =>
        WatchAsync(batches, batchId, id => new BatchNotFoundException(id), cancellationToken);

    public IAsyncEnumerable<TaskSummary> WatchOwnerAsync(string ownerId, CancellationToken cancellationToken = default) =>
        WatchOwnersAsync(OwnerScope.Of(ownerId), cancellationToken).OfType<TaskSummary>();

    public IAsyncEnumerable<TaskSummary> WatchEveryoneAsync(CancellationToken cancellationToken = default) =>
        WatchOwnersAsync(OwnerScope.Everyone, cancellationToken).OfType<TaskSummary>();

    public IAsyncEnumerable<IOwnerFeedItem> WatchOwnerItemsAsync(string ownerId, CancellationToken cancellationToken = default) =>
        WatchOwnersAsync(OwnerScope.Of(ownerId), cancellationToken);

    public IAsyncEnumerable<IOwnerFeedItem> WatchEveryoneItemsAsync(CancellationToken cancellationToken = default) =>
        WatchOwnersAsync(OwnerScope.Everyone, cancellationToken);

    private async IAsyncEnumerable<IOwnerFeedItem> WatchOwnersAsync(OwnerScope scope, [EnumeratorCancellation] CancellationToken watchCancelled)
    {
        using var watch = CancellationTokenSource.CreateLinkedTokenSource(watchCancelled, lifetime.ApplicationStopping);
        var cancellationToken = watch.Token;
        cancellationToken.ThrowIfCancellationRequested();
        var listener = new WatchListener<IOwnerFeedItem>(new OwnerFeedDelivery());
        await using var attachment = await AttachAsync(scope, (s, l) => owners.AttachAsync(s, l), listener, cancellationToken);
        listener.Start(null);
        while (true)
        {
            while (listener.TryTake(out var next))
            {
                yield return next;
            }

            await listener.WaitAsync(cancellationToken);
        }
    }

    private async IAsyncEnumerable<T> WatchAsync<T>(
        FeedRegistry<T> feeds, Guid id, Func<Guid, Exception> notFound, [EnumeratorCancellation] CancellationToken watchCancelled)
        where T : class, IFeedSnapshot
    {
        using var watch = CancellationTokenSource.CreateLinkedTokenSource(watchCancelled, lifetime.ApplicationStopping);
        var cancellationToken = watch.Token;
        cancellationToken.ThrowIfCancellationRequested();
        var listener = new WatchListener<T>(new FeedDelivery<T>(options.Value.WatchQueueLength, feeds.Source.ProgressRises));
        await using var attachment = await AttachAsync(id, feeds.AttachAsync, listener, cancellationToken);
        var snapshot = await feeds.Source.ReadAsync(grains, id).WaitAsync(cancellationToken) ?? throw notFound(id);
        listener.Start(snapshot);
        while (true)
        {
            while (listener.TryTake(out var next))
            {
                yield return next;
                if (next.IsTerminal)
                {
                    yield break;
                }
            }

            await listener.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Attaches; a watcher cancelled while the subscription is being made detaches once it is made.</summary>
    private static async Task<IAsyncDisposable> AttachAsync<TKey, T>(
        TKey key, Func<TKey, IFeedListener<T>, Task<IAsyncDisposable>> attach, WatchListener<T> listener, CancellationToken cancellationToken)
        where T : class, IFeedSnapshot
    {
        var attaching = attach(key, listener);
        try
        {
            return await attaching.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _ = attaching.ContinueWith(attached => attached.Result.DisposeAsync().AsTask(), CancellationToken.None,
                TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default).Unwrap();
            throw;
        }
    }
}
