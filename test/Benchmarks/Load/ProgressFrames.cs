namespace OrleansTasks.Benchmarks.Load;

/// <summary>
/// Finds the progress messages in what a socket received and their publish time. A frame holds one
/// message, or for SignalR one or more records separated by 0x1E whose arguments hold the message.
/// </summary>
internal static class ProgressFrames
{
    private const byte RecordSeparator = 0x1E;
    private static readonly byte[] ProgressType = "\"type\":\"progress\""u8.ToArray();
    private static readonly byte[] TimestampField = "\"timestamp\":\""u8.ToArray();

    /// <summary>Counts the progress messages in <paramref name="frame"/>; with <paramref name="latencies"/>, records each one's latency from publish to now.</summary>
    public static int Read(ReadOnlySpan<byte> frame, Deliveries? latencies)
    {
        var found = 0;
        var now = latencies is null ? 0 : DateTime.UtcNow.Ticks;
        while (!frame.IsEmpty)
        {
            var end = frame.IndexOf(RecordSeparator);
            var record = end < 0 ? frame : frame[..end];
            frame = end < 0 ? [] : frame[(end + 1)..];
            if (record.IndexOf(ProgressType) < 0)
            {
                continue;
            }

            found++;
            var at = latencies is null ? -1 : record.IndexOf(TimestampField);
            if (at >= 0 && TryParseTicks(record[(at + TimestampField.Length)..], out var ticks))
            {
                latencies!.RecordLatency((now - ticks) / TimeSpan.TicksPerMicrosecond);
            }
        }

        return found;
    }

    /// <summary>Parses the wire format <c>yyyy-MM-ddTHH:mm:ss.ffffffZ</c> (UTC).</summary>
    public static bool TryParseTicks(ReadOnlySpan<byte> text, out long ticks)
    {
        ticks = 0;
        if (text.Length < 27 || text[26] != (byte)'Z' || text[10] != (byte)'T' || text[19] != (byte)'.')
        {
            return false;
        }

        var time = new DateTime(
            Number(text[0..4]), Number(text[5..7]), Number(text[8..10]),
            Number(text[11..13]), Number(text[14..16]), Number(text[17..19]), DateTimeKind.Utc);
        ticks = time.Ticks + Number(text[20..26]) * 10L;
        return true;
    }

    private static int Number(ReadOnlySpan<byte> digits)
    {
        var value = 0;
        foreach (var digit in digits)
        {
            value = value * 10 + (digit - (byte)'0');
        }

        return value;
    }
}
