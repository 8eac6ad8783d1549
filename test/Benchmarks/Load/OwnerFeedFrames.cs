using System.Buffers.Text;

namespace OrleansTasks.Benchmarks.Load;

/// <summary>
/// What one <c>/ws/tasks</c> socket received: its <c>task</c> messages, each task's newest
/// <c>seq</c>, the changes skipped (gaps in a task's <c>seq</c>: coalesced by the gateway, as the
/// protocol allows a reader that is behind) and any that came out of order or twice (the protocol
/// forbids both). One reader thread writes; the totals are read once the socket has drained.
/// </summary>
internal sealed class OwnerFeedFrames(Deliveries? latencies)
{
    private static readonly byte[] TaskType = "\"type\":\"task\""u8.ToArray();
    private static readonly byte[] TaskIdField = "\"task_id\":\""u8.ToArray();
    private static readonly byte[] SeqField = "\"seq\":"u8.ToArray();
    private static readonly byte[] TimestampField = "\"timestamp\":\""u8.ToArray();
    private readonly Dictionary<Guid, long> _newest = [];
    private long _skipped;
    private long _disordered;

    public long Skipped => Interlocked.Read(ref _skipped);

    public long Disordered => Interlocked.Read(ref _disordered);

    /// <summary>The newest <c>seq</c> received for <paramref name="task"/>, 0 when none.</summary>
    public long NewestSeq(Guid task)
    {
        lock (_newest)
        {
            return _newest.GetValueOrDefault(task);
        }
    }

    /// <summary>Reads one message; returns 1 for a <c>task</c> message, else 0.</summary>
    public int Read(ReadOnlySpan<byte> message)
    {
        if (message.IndexOf(TaskType) < 0)
        {
            return 0;
        }

        var now = DateTime.UtcNow.Ticks;
        var id = message.IndexOf(TaskIdField);
        var seqAt = message.IndexOf(SeqField);
        if (id < 0 || seqAt < 0
            || !Utf8Parser.TryParse(message.Slice(id + TaskIdField.Length, 36), out Guid task, out _, 'D')
            || !Utf8Parser.TryParse(message[(seqAt + SeqField.Length)..], out long seq, out _))
        {
            throw new InvalidDataException("A task message without task_id or seq: " + System.Text.Encoding.UTF8.GetString(message));
        }

        lock (_newest)
        {
            var newest = _newest.GetValueOrDefault(task);
            if (seq <= newest)
            {
                _disordered++;
            }
            else
            {
                // A task's first message here follows whatever came before the socket opened: not a gap.
                _skipped += newest == 0 ? 0 : seq - newest - 1;
                _newest[task] = seq;
            }
        }

        var at = latencies is null ? -1 : message.IndexOf(TimestampField);
        if (at >= 0 && ProgressFrames.TryParseTicks(message[(at + TimestampField.Length)..], out var ticks))
        {
            latencies!.RecordLatency((now - ticks) / TimeSpan.TicksPerMicrosecond);
        }

        return 1;
    }
}
