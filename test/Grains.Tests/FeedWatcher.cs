using System.Threading.Channels;
using Orleans.Streams;

namespace OrleansTasks.Grains.Tests;

/// <summary>Subscribes to a task's stream.</summary>
public static class TaskWatcher
{
    public static Task<FeedWatcher<IndexTaskSnapshot>> StartAsync(IClusterClient client, Guid taskId, Func<IndexTaskSnapshot, Task>? onEvent = null) =>
        FeedWatcher.StartAsync(client, TaskStreams.ForTask(taskId), onEvent);
}

/// <summary>Subscribes to a batch's stream.</summary>
public static class BatchWatcher
{
    public static Task<FeedWatcher<BatchSnapshot>> StartAsync(IClusterClient client, Guid batchId) =>
        FeedWatcher.StartAsync<BatchSnapshot>(client, TaskStreams.ForBatch(batchId));
}

public static class FeedWatcher
{
    public static async Task<FeedWatcher<T>> StartAsync<T>(IClusterClient client, StreamId streamId, Func<T, Task>? onEvent = null)
        where T : IFeedSnapshot
    {
        var watcher = new FeedWatcher<T>(onEvent);
        await watcher.SubscribeAsync(client, streamId);
        return watcher;
    }
}

/// <summary>Subscribes to a task's or a batch's stream and collects every snapshot it publishes.</summary>
public sealed class FeedWatcher<T> : IAsyncDisposable
    where T : IFeedSnapshot
{
    private readonly Channel<T> _events = Channel.CreateUnbounded<T>();
    private readonly Func<T, Task>? _onEvent;
    private StreamSubscriptionHandle<T>? _handle;

    internal FeedWatcher(Func<T, Task>? onEvent) => _onEvent = onEvent;

    public List<T> Received { get; } = [];

    internal async Task SubscribeAsync(IClusterClient client, StreamId streamId)
    {
        var stream = client.GetStreamProvider(TaskStreams.ProviderName).GetStream<T>(streamId);
        _handle = await stream.SubscribeAsync(async (snapshot, _) =>
        {
            if (_onEvent is not null)
            {
                await _onEvent(snapshot);
            }

            _events.Writer.TryWrite(snapshot);
        });
    }

    /// <summary>Collects events until a terminal one arrives, or fails after <paramref name="timeout"/>.</summary>
    public Task<T> WaitForTerminalAsync(TimeSpan timeout) => WaitForAsync(snapshot => snapshot.IsTerminal, timeout, "a terminal event");

    /// <summary>Collects events until one matches <paramref name="condition"/>, or fails after <paramref name="timeout"/>.</summary>
    public async Task<T> WaitForAsync(Func<T, bool> condition, TimeSpan timeout, string waitingFor = "a matching event")
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            T snapshot;
            try
            {
                snapshot = await _events.Reader.ReadAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Waited {timeout} for {waitingFor}; received seq {string.Join(", ", Received.Select(e => e.Seq))}.");
            }

            Received.Add(snapshot);
            if (condition(snapshot))
            {
                return snapshot;
            }
        }
    }

    /// <summary>Records whatever has arrived since the last read.</summary>
    public void DrainArrived()
    {
        while (_events.Reader.TryRead(out var snapshot))
        {
            Received.Add(snapshot);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_handle is not null)
        {
            await _handle.UnsubscribeAsync();
        }
    }
}
