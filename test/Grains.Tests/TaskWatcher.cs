using System.Threading.Channels;
using Orleans.Streams;

namespace OrleansTasks.Grains.Tests;

/// <summary>Subscribes to a task's stream and collects every snapshot it publishes.</summary>
public sealed class TaskWatcher : IAsyncDisposable
{
    private readonly Channel<IndexTaskSnapshot> _events = Channel.CreateUnbounded<IndexTaskSnapshot>();
    private readonly Func<IndexTaskSnapshot, Task>? _onEvent;
    private StreamSubscriptionHandle<IndexTaskSnapshot>? _handle;

    private TaskWatcher(Func<IndexTaskSnapshot, Task>? onEvent) => _onEvent = onEvent;

    public List<IndexTaskSnapshot> Received { get; } = [];

    public static async Task<TaskWatcher> StartAsync(IClusterClient client, Guid taskId, Func<IndexTaskSnapshot, Task>? onEvent = null)
    {
        var watcher = new TaskWatcher(onEvent);
        var stream = client.GetStreamProvider(TaskStreams.ProviderName).GetStream<IndexTaskSnapshot>(TaskStreams.ForTask(taskId));
        watcher._handle = await stream.SubscribeAsync(async (snapshot, _) =>
        {
            if (watcher._onEvent is not null)
            {
                await watcher._onEvent(snapshot);
            }

            watcher._events.Writer.TryWrite(snapshot);
        });
        return watcher;
    }

    /// <summary>Collects events until a terminal one arrives, or fails after <paramref name="timeout"/>.</summary>
    public async Task<IndexTaskSnapshot> WaitForTerminalAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            var snapshot = await _events.Reader.ReadAsync(deadline.Token);
            Received.Add(snapshot);
            if (snapshot.IsTerminal)
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
