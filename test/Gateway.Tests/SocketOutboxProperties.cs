using CsCheck;
using OrleansTasks.Gateway.WebSockets;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// The delivery promises of a task socket (docs/protocol.md, "Delivery guarantees") for any
/// history, any order and repetition of stream events, any first snapshot and any pace of reads:
/// <c>connected</c> first, <c>seq</c> strictly rising, progress never going back, the newest
/// change delivered, and a terminal event delivered once and last. Histories dip: a task resumed
/// by a new activation goes on from its last checkpoint and publishes, under a higher <c>seq</c>,
/// progress below what was already published. The client's pings (owed pongs) and close requests
/// (a violation's immediate close, a graceful one, the send loop's own after a terminal event) come
/// at any point too: pongs only after <c>connected</c> and never more than pings, one close, last,
/// with the reason first asked for, and a graceful close only after everything queued before it.
/// </summary>
public sealed class SocketOutboxProperties
{
    /// <summary>One run: a task's history, the events as the stream brings them, and when the socket reads.</summary>
    public sealed record Interleaving(
        IndexTaskSnapshot[] History,
        int[] Arrivals,
        int FirstIndex,
        int StartAfter,
        bool[] ReadAfterArrival,
        int QueueLength,
        bool[]? PingAfterArrival = null,
        int CloseAfter = -1,
        bool CloseImmediately = false)
    {
        public override string ToString() =>
            $"history {string.Join(",", History.Select(s => $"{s.Seq}:{s.Progress}{(s.IsTerminal ? "!" : "")}"))}; " +
            $"arrivals {string.Join(",", Arrivals)}; first {FirstIndex} after {StartAfter}; " +
            $"reads {string.Join("", ReadAfterArrival.Select(r => r ? '1' : '0'))}; queue {QueueLength}; " +
            $"pings {string.Join("", (PingAfterArrival ?? []).Select(p => p ? '1' : '0'))}; close after {CloseAfter}{(CloseImmediately ? " immediately" : "")}";
    }

    /// <summary>The close a run asks for (a violation's, or a server going away).</summary>
    private static readonly SocketClose RunClose = SocketClose.GoingAway;

    private static readonly Gen<IndexTaskStatus> Ends = Gen.OneOf(
        IndexTaskStatus.Processing, IndexTaskStatus.Completed, IndexTaskStatus.Failed, IndexTaskStatus.Cancelled);

    private static readonly Gen<Interleaving> Interleavings =
        from steps in Gen.Int[-8, 12].Array[1, 30]
        from end in Ends
        from arrivalCount in Gen.Int[0, 60]
        from arrivalSeeds in Gen.Int[0, 1000].Array[arrivalCount]
        from firstSeed in Gen.Int[0, 1000]
        from startAfter in Gen.Int[0, arrivalCount]
        from reads in Gen.Bool.Array[arrivalCount + 1]
        from queueLength in Gen.Int[1, 4]
        from pings in Gen.Int[0, 3].Select(i => i == 0).Array[arrivalCount + 1]
        from closeAfter in Gen.Int[-arrivalCount - 1, arrivalCount]
        from closeImmediately in Gen.Bool
        let history = HistoryOf(steps, end)
        select new Interleaving(history, [.. arrivalSeeds.Select(s => s % history.Length)], firstSeed % history.Length, startAfter, reads, queueLength,
            pings, closeAfter, closeImmediately);

    [Fact]
    public void Any_interleaving_keeps_the_delivery_promises() =>
        Interleavings.Sample(Check, iter: 20_000);

    /// <summary>
    /// The case the property found: an older activation's event (progress 4) arrives before the first
    /// snapshot, which a resumed activation publishes at progress 0; the next change at progress 0 was
    /// held back as if the socket had sent progress 4.
    /// </summary>
    [Fact]
    public void An_event_the_first_snapshot_made_obsolete_does_not_hold_back_the_changes_after_it()
    {
        var history = new[] { TaskSnapshots.At(Guid.Empty, 1, 4), TaskSnapshots.At(Guid.Empty, 2, 0), TaskSnapshots.At(Guid.Empty, 3, 0) };
        Check(new Interleaving(history, [0, 2, 1, 0, 2], FirstIndex: 1, StartAfter: 3, [false, true, true, true, true, false], QueueLength: 1));
    }

    private static IndexTaskSnapshot[] HistoryOf(int[] steps, IndexTaskStatus end)
    {
        var history = new IndexTaskSnapshot[steps.Length];
        var progress = 0;
        for (var i = 0; i < steps.Length; i++)
        {
            // A negative step is a resumed activation's dip, back to an earlier checkpoint.
            progress = Math.Clamp(progress + steps[i], 0, 99);
            var last = i == steps.Length - 1 && end != IndexTaskStatus.Processing;
            history[i] = last
                ? TaskSnapshots.At(Guid.Empty, i + 1, end == IndexTaskStatus.Completed ? 100 : end == IndexTaskStatus.Failed ? -1 : progress, end)
                : TaskSnapshots.At(Guid.Empty, i + 1, progress);
        }

        return history;
    }

    private static void Check(Interleaving run)
    {
        var outbox = new SocketOutbox<IndexTaskSnapshot>(progressQueueLength: run.QueueLength);
        var reader = new SendLoop(outbox);
        var first = run.History[run.FirstIndex];
        var started = false;
        var pings = 0;
        var newest = first;
        for (var i = 0; i <= run.Arrivals.Length; i++)
        {
            if (i == run.StartAfter)
            {
                outbox.Start(first);
                started = true;
            }

            if (i < run.Arrivals.Length)
            {
                var arrival = run.History[run.Arrivals[i]];
                if (reader.CloseAsked is null && arrival.Seq > newest.Seq)
                {
                    newest = arrival;
                }

                outbox.Queue(arrival);
            }

            if (run.PingAfterArrival?[i] == true)
            {
                // A ping the receive loop takes once the send loop has closed is never answered.
                pings += reader.Closed ? 0 : 1;
                outbox.QueuePong();
            }

            // The session asks for a graceful close only once the feed has started (after a terminal event).
            if (i == run.CloseAfter && (run.CloseImmediately || started))
            {
                reader.RequestClose(RunClose, run.CloseImmediately);
            }

            if (run.ReadAfterArrival[i])
            {
                reader.Read(all: false);
            }
        }

        Assert.True(started);
        reader.Read(all: true);
        var delivered = reader.Delivered;
        var immediate = reader.CloseAsked == RunClose && run.CloseImmediately;

        // One close at most, last (the send loop ends there), with the reason first asked for; a terminal event asks for one.
        var closes = delivered.Count(m => m.Kind == OutgoingKind.Close);
        Assert.True(closes <= 1, "more than one close");
        Assert.Equal(reader.CloseAsked is not null, closes == 1);
        if (closes == 1)
        {
            Assert.Equal(OutgoingKind.Close, delivered[^1].Kind);
            Assert.Equal(reader.CloseAsked, delivered[^1].Reason);
        }

        if (delivered[0].Kind == OutgoingKind.Close)
        {
            Assert.True(immediate, "closed before connected without an immediate close");
            return;
        }

        // Pongs: only after connected, never more than the pings; all owed ones go before a graceful close.
        var pongs = delivered.Count(m => m.Kind == OutgoingKind.Pong);
        Assert.True(pongs <= pings, $"{pongs} pongs for {pings} pings");
        Assert.True(delivered.FindIndex(m => m.Kind == OutgoingKind.Pong) is -1 or > 0, "a pong before connected");
        if (!immediate && pings > 0)
        {
            Assert.True(pongs > 0, $"{pings} pings and no pong");
        }

        var events = delivered.Where(m => m.Kind is OutgoingKind.Connected or OutgoingKind.FeedEvent)
            .Select(m => (m.Kind, Snapshot: (IndexTaskSnapshot)m.Snapshot!)).ToList();
        Assert.NotEmpty(events);
        Assert.Equal(OutgoingKind.Connected, events[0].Kind);
        Assert.Same(first, events[0].Snapshot);
        Assert.DoesNotContain(events.Skip(1), d => d.Kind == OutgoingKind.Connected);

        var terminals = events.Skip(1).Count(d => d.Snapshot.IsTerminal);
        Assert.True(terminals <= 1, "more than one terminal event");
        if (terminals == 1)
        {
            Assert.True(events[^1].Snapshot.IsTerminal, "an event followed the terminal one");
        }

        for (var i = 1; i < events.Count; i++)
        {
            var (previous, current) = (events[i - 1].Snapshot, events[i].Snapshot);

            // The only repeat allowed: a task that had ended when the socket connected gets its end right after connected.
            var endAfterConnected = i == 1 && current.IsTerminal && ReferenceEquals(previous, current);
            Assert.True(current.Seq > previous.Seq || endAfterConnected, $"seq {current.Seq} after {previous.Seq}");
            if (!current.IsTerminal)
            {
                Assert.True(current.Progress >= previous.Progress, $"progress {current.Progress} after {previous.Progress}");
            }
        }

        if (immediate)
        {
            // An immediate close drops what was queued: no promise of the newest.
            return;
        }

        // Nothing newer is withheld (of what was queued before a close was asked for), but a dip: the
        // socket got the newest change it could know of, unless that change's progress is below what
        // the socket had already sent.
        var last = events[^1].Snapshot;
        Assert.True(last.Seq == newest.Seq || (!newest.IsTerminal && newest.Progress < last.Progress),
            $"seq {newest.Seq} (progress {newest.Progress}) withheld; the last sent was seq {last.Seq} (progress {last.Progress})");
        Assert.Equal(newest.IsTerminal ? 1 : 0, terminals);
    }

    /// <summary>What the session's send loop does with the outbox: takes messages until a close, and asks for a graceful close after a terminal event.</summary>
    private sealed class SendLoop(SocketOutbox<IndexTaskSnapshot> outbox)
    {
        public List<OutgoingMessage> Delivered { get; } = [];

        /// <summary>The close first asked for, by the run or after a terminal event.</summary>
        public SocketClose? CloseAsked { get; private set; }

        public bool Closed => Delivered.Count > 0 && Delivered[^1].Kind == OutgoingKind.Close;

        public void RequestClose(SocketClose close, bool immediately)
        {
            CloseAsked ??= close;
            outbox.RequestClose(close, immediately);
        }

        /// <summary>Takes what the send loop would send now: one message, or everything queued.</summary>
        public void Read(bool all)
        {
            while (!Closed && outbox.TryTake() is { } message)
            {
                Delivered.Add(message);
                if (message is { Kind: OutgoingKind.FeedEvent, Snapshot.IsTerminal: true })
                {
                    RequestClose(SocketClose.TaskFinished, immediately: false);
                }

                if (!all)
                {
                    return;
                }
            }
        }
    }
}
