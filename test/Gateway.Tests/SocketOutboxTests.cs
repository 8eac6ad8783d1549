using OrleansTasks.Gateway.WebSockets;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

public sealed class SocketOutboxTests
{
    private static IndexTaskSnapshot At(long seq, int progress, IndexTaskStatus status = IndexTaskStatus.Processing) =>
        TaskSnapshots.At(Guid.Empty, seq, progress, status);

    /// <summary>Takes the next message the way the send loop does: take, and wait when there is none.</summary>
    private static async Task<OutgoingMessage> NextAsync(SocketOutbox<IndexTaskSnapshot> outbox)
    {
        while (true)
        {
            if (outbox.TryTake() is { } next)
            {
                return next;
            }

            await outbox.WaitAsync(CancellationToken.None);
        }
    }

    private static async Task<List<string>> DrainAsync(SocketOutbox<IndexTaskSnapshot> outbox)
    {
        outbox.RequestClose(SocketClose.TaskFinished, immediately: false);
        var taken = new List<string>();
        while (await NextAsync(outbox) is var next && next.Kind != OutgoingKind.Close)
        {
            taken.Add(next switch
            {
                { Kind: OutgoingKind.Connected } c => $"connected#{c.Snapshot!.Seq}",
                { Kind: OutgoingKind.FeedEvent } e => $"{((IndexTaskSnapshot)e.Snapshot!).Status}#{e.Snapshot.Seq}",
                _ => next.Kind.ToString(),
            });
        }

        return taken;
    }

    [Fact]
    public async Task Progress_is_coalesced_latest_wins_and_the_terminal_event_is_kept()
    {
        var outbox = new SocketOutbox<IndexTaskSnapshot>();
        outbox.Start(At(1, 0));
        for (var seq = 2; seq <= 50; seq++)
        {
            outbox.Queue(At(seq, seq));
        }

        outbox.Queue(At(51, 100, IndexTaskStatus.Completed));
        outbox.Queue(At(52, 100));

        Assert.Equal(["connected#1", "Processing#50", "Completed#51"], await DrainAsync(outbox));
    }

    [Fact]
    public async Task A_queue_of_four_keeps_the_four_newest_progress_events_in_order()
    {
        var outbox = new SocketOutbox<IndexTaskSnapshot>(progressQueueLength: 4);
        outbox.Start(At(1, 0));
        for (var seq = 2; seq <= 10; seq++)
        {
            outbox.Queue(At(seq, seq));
        }

        outbox.Queue(At(11, 100, IndexTaskStatus.Completed));

        Assert.Equal(["connected#1", "Processing#7", "Processing#8", "Processing#9", "Processing#10", "Completed#11"], await DrainAsync(outbox));
    }

    [Fact]
    public async Task A_snapshot_drops_the_queued_events_it_covers_and_keeps_the_later_ones()
    {
        var outbox = new SocketOutbox<IndexTaskSnapshot>(progressQueueLength: 4);
        outbox.Queue(At(2, 2));
        outbox.Queue(At(3, 3));
        outbox.Queue(At(4, 4));

        outbox.Start(At(3, 3));

        Assert.Equal(["connected#3", "Processing#4"], await DrainAsync(outbox));
    }

    [Fact]
    public async Task Events_offered_before_the_snapshot_are_dropped_when_the_snapshot_covers_them()
    {
        var outbox = new SocketOutbox<IndexTaskSnapshot>();
        outbox.Queue(At(4, 4));
        outbox.Queue(At(5, 5));

        outbox.Start(At(5, 5));
        outbox.Queue(At(6, 6));

        Assert.Equal(["connected#5", "Processing#6"], await DrainAsync(outbox));
    }

    [Fact]
    public async Task A_terminal_snapshot_is_followed_by_its_terminal_message_with_the_same_seq()
    {
        var outbox = new SocketOutbox<IndexTaskSnapshot>();
        outbox.Queue(At(9, 100, IndexTaskStatus.Completed));

        outbox.Start(At(9, 100, IndexTaskStatus.Completed));

        Assert.Equal(["connected#9", "Completed#9"], await DrainAsync(outbox));
    }

    [Fact]
    public async Task Progress_that_would_go_backwards_or_repeat_a_seq_is_dropped()
    {
        var outbox = new SocketOutbox<IndexTaskSnapshot>();
        outbox.Start(At(1000, 40));
        outbox.Queue(At(1001, 35));
        outbox.Queue(At(999, 50));
        outbox.Queue(At(1002, 41));

        Assert.Equal(["connected#1000", "Processing#1002"], await DrainAsync(outbox));
    }

    [Fact]
    public async Task An_immediate_close_goes_before_anything_queued()
    {
        var outbox = new SocketOutbox<IndexTaskSnapshot>();
        outbox.Start(At(1, 0));
        outbox.Queue(At(2, 10));

        outbox.RequestClose(SocketClose.MessageTooBig, immediately: true);
        var next = await NextAsync(outbox);

        Assert.Equal(OutgoingKind.Close, next.Kind);
        Assert.Equal(SocketClose.MessageTooBig, next.Reason);
    }

    [Fact]
    public async Task A_waiting_send_loop_resumes_on_the_thread_that_queues_to_it()
    {
        var outbox = new SocketOutbox<IndexTaskSnapshot>(progressQueueLength: 4);
        outbox.Start(At(1, 0));
        Assert.Equal(OutgoingKind.Connected, outbox.TryTake()?.Kind);
        Assert.True(await outbox.WaitAsync(CancellationToken.None)); // the ring for the snapshot, already taken
        var resumedOn = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);

        async Task SendLoopAsync()
        {
            await outbox.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            resumedOn.SetResult(Environment.CurrentManagedThreadId);
        }

        var loop = SendLoopAsync();
        var waker = new Thread(() =>
        {
            outbox.Queue(At(2, 10));
            outbox.Wake();
        });
        waker.Start();
        waker.Join();

        Assert.Equal(waker.ManagedThreadId, await Deadline.WaitAsync(resumedOn.Task, TimeSpan.FromSeconds(10), "the send loop to resume after the wake-up"));
        await loop;
    }
}
