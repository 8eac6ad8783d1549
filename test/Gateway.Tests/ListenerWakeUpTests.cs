using System.Collections.Concurrent;
using OrleansTasks.Feeds;
using OrleansTasks.Gateway.WebSockets;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

public sealed class ListenerWakeUpTests : IDisposable
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(10);
    private readonly SendThreads _threads = new(2);

    public void Dispose() => _threads.Dispose();

    [Theory]
    [InlineData(1)]
    [InlineData(ListenerWakeUp.ChunkSize)]
    [InlineData(ListenerWakeUp.ChunkSize * 3 + 5)]
    public async Task Every_listener_is_woken_exactly_once_on_a_send_thread_and_never_inside_the_call(int count)
    {
        using var insideSchedule = new ThreadLocal<bool>();
        var woken = new ConcurrentDictionary<int, int>();
        var wokenInside = 0;
        var wokenElsewhere = 0;
        var allWoken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var listeners = Enumerable.Range(0, count)
            .Select(index => new Listener(() =>
            {
                if (insideSchedule.Value)
                {
                    Interlocked.Increment(ref wokenInside);
                }

                if (Thread.CurrentThread.IsThreadPoolThread || Thread.CurrentThread.Name?.StartsWith("Socket sends ", StringComparison.Ordinal) != true)
                {
                    Interlocked.Increment(ref wokenElsewhere);
                }

                woken.AddOrUpdate(index, 1, (_, times) => times + 1);
                if (woken.Count == count)
                {
                    allWoken.TrySetResult();
                }
            }))
            .ToArray();

        insideSchedule.Value = true;
        new ListenerWakeUp<IndexTaskSnapshot>(listeners, _threads).Schedule();
        insideSchedule.Value = false;

        await Deadline.WaitAsync(allWoken.Task, WaitLimit, $"all {count} listeners to be woken");
        Assert.Equal(0, wokenInside);
        Assert.Equal(0, wokenElsewhere);
        Assert.Equal(count, woken.Count);
        Assert.All(woken.Values, times => Assert.Equal(1, times));
    }

    [Fact]
    public async Task Wake_ups_asked_for_while_one_is_waiting_are_folded_into_it_and_none_is_lost()
    {
        using var gate = new ManualResetEventSlim();
        var wakes = 0;
        var burstOver = false;
        var wokenAfterBurst = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var listener = new Listener(() =>
        {
            Interlocked.Increment(ref wakes);
            if (Volatile.Read(ref burstOver))
            {
                wokenAfterBurst.TrySetResult();
            }

            gate.Wait(WaitLimit);
        });
        using var oneThread = new SendThreads(1);
        var wakeUp = new ListenerWakeUp<IndexTaskSnapshot>([listener], oneThread);

        for (var call = 0; call < 10_000; call++)
        {
            wakeUp.Schedule();
        }

        Volatile.Write(ref burstOver, true);
        wakeUp.Schedule();
        gate.Set();
        await Deadline.WaitAsync(wokenAfterBurst.Task, WaitLimit, "a wake-up scheduled after the burst to run");

        // One thread takes work in order: once this runs, every wake-up queued before it has run.
        var drained = new Drained();
        oneThread.Queue(drained);
        await Deadline.WaitAsync(drained.Done.Task, WaitLimit, "the send thread to run the work queued after every wake-up");
        Assert.InRange(Volatile.Read(ref wakes), 1, 10);
    }

    private sealed class Drained : IFeedWork
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Execute() => Done.SetResult();
    }

    private sealed class Listener(Action onWake) : IFeedListener<IndexTaskSnapshot>
    {
        public void Queue(IndexTaskSnapshot snapshot) => throw new InvalidOperationException("Only woken here.");

        public void Wake() => onWake();
    }
}
