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
/// progress below what was already published.
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
        int QueueLength)
    {
        public override string ToString() =>
            $"history {string.Join(",", History.Select(s => $"{s.Seq}:{s.Progress}{(s.IsTerminal ? "!" : "")}"))}; " +
            $"arrivals {string.Join(",", Arrivals)}; first {FirstIndex} after {StartAfter}; " +
            $"reads {string.Join("", ReadAfterArrival.Select(r => r ? '1' : '0'))}; queue {QueueLength}";
    }

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
        let history = HistoryOf(steps, end)
        select new Interleaving(history, [.. arrivalSeeds.Select(s => s % history.Length)], firstSeed % history.Length, startAfter, reads, queueLength);

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
        var delivered = new List<(OutgoingKind Kind, IndexTaskSnapshot Snapshot)>();
        var first = run.History[run.FirstIndex];
        var started = false;
        for (var i = 0; i <= run.Arrivals.Length; i++)
        {
            if (i == run.StartAfter)
            {
                outbox.Start(first);
                started = true;
            }

            if (i < run.Arrivals.Length)
            {
                outbox.Queue(run.History[run.Arrivals[i]]);
            }

            if (run.ReadAfterArrival[i])
            {
                Read(outbox, delivered, all: false);
            }
        }

        Assert.True(started);
        Read(outbox, delivered, all: true);

        Assert.NotEmpty(delivered);
        Assert.Equal(OutgoingKind.Connected, delivered[0].Kind);
        Assert.Same(first, delivered[0].Snapshot);
        Assert.DoesNotContain(delivered.Skip(1), d => d.Kind == OutgoingKind.Connected);

        var terminals = delivered.Skip(1).Count(d => d.Snapshot.IsTerminal);
        Assert.True(terminals <= 1, "more than one terminal event");
        if (terminals == 1)
        {
            Assert.True(delivered[^1].Snapshot.IsTerminal, "an event followed the terminal one");
        }

        for (var i = 1; i < delivered.Count; i++)
        {
            var (previous, current) = (delivered[i - 1].Snapshot, delivered[i].Snapshot);

            // The only repeat allowed: a task that had ended when the socket connected gets its end right after connected.
            var endAfterConnected = i == 1 && current.IsTerminal && ReferenceEquals(previous, current);
            Assert.True(current.Seq > previous.Seq || endAfterConnected, $"seq {current.Seq} after {previous.Seq}");
            if (!current.IsTerminal)
            {
                Assert.True(current.Progress >= previous.Progress, $"progress {current.Progress} after {previous.Progress}");
            }
        }

        // Nothing newer is withheld, but a dip: the socket got the newest change it could know of,
        // unless that change's progress is below what the socket had already sent.
        var newest = run.Arrivals.Select(a => run.History[a]).Append(first).MaxBy(s => s.Seq)!;
        var last = delivered[^1].Snapshot;
        Assert.True(last.Seq == newest.Seq || (!newest.IsTerminal && newest.Progress < last.Progress),
            $"seq {newest.Seq} (progress {newest.Progress}) withheld; the last sent was seq {last.Seq} (progress {last.Progress})");
        Assert.Equal(newest.IsTerminal ? 1 : 0, terminals);
    }

    /// <summary>Takes what the send loop would send now: one message, or everything queued.</summary>
    private static void Read(SocketOutbox<IndexTaskSnapshot> outbox, List<(OutgoingKind, IndexTaskSnapshot)> delivered, bool all)
    {
        while (outbox.TryTake() is { } message)
        {
            delivered.Add((message.Kind, (IndexTaskSnapshot)message.Snapshot!));
            if (!all)
            {
                return;
            }
        }
    }
}
