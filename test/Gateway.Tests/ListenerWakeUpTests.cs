using System.Collections.Concurrent;
using OrleansTasks.Gateway.WebSockets;

namespace OrleansTasks.Gateway.Tests;

public sealed class ListenerWakeUpTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(ListenerWakeUp.ChunkSize)]
    [InlineData(ListenerWakeUp.ChunkSize * 3 + 5)]
    public async Task Every_listener_is_woken_exactly_once_off_the_calling_thread(int count)
    {
        var woken = new ConcurrentDictionary<int, int>();
        var allWoken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var listeners = Enumerable.Range(0, count)
            .Select(index => new RecordingListener(() =>
            {
                woken.AddOrUpdate(index, 1, (_, times) => times + 1);
                if (woken.Count == count)
                {
                    allWoken.TrySetResult();
                }
            }))
            .ToArray();
        var caller = Environment.CurrentManagedThreadId;

        ListenerWakeUp.Schedule<IndexTaskSnapshot>(listeners);

        await allWoken.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.All(woken.Values, times => Assert.Equal(1, times));
        Assert.DoesNotContain(listeners, listener => listener.WokenOn == caller);
    }

    private sealed class RecordingListener(Action onWake) : IFeedListener<IndexTaskSnapshot>
    {
        public int WokenOn { get; private set; }

        public void Queue(IndexTaskSnapshot snapshot) => throw new InvalidOperationException("Only woken here.");

        public void Wake()
        {
            WokenOn = Environment.CurrentManagedThreadId;
            onWake();
        }
    }
}
