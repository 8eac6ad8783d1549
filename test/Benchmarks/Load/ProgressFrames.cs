using System.Globalization;

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

    /// <summary>Records each progress message in <paramref name="frame"/> with its latency from publish to now.</summary>
    public static int Read(ReadOnlySpan<byte> frame, Deliveries deliveries, bool counted)
    {
        var found = 0;
        var now = DateTime.UtcNow.Ticks;
        while (!frame.IsEmpty)
        {
            var end = frame.IndexOf(RecordSeparator);
            var record = end < 0 ? frame : frame[..end];
            frame = end < 0 ? [] : frame[(end + 1)..];
            if (record.IndexOf(ProgressType) < 0)
            {
                continue;
            }

            var at = record.IndexOf(TimestampField);
            if (at >= 0 && TryParseTicks(record[(at + TimestampField.Length)..], out var ticks))
            {
                found++;
                deliveries.Record((now - ticks) / TimeSpan.TicksPerMicrosecond, counted);
            }
        }

        return found;
    }

    /// <summary>Parses the wire format <c>yyyy-MM-ddTHH:mm:ss.ffffffZ</c>.</summary>
    public static bool TryParseTicks(ReadOnlySpan<byte> text, out long ticks)
    {
        ticks = 0;
        if (text.Length < 27 || text[26] != (byte)'Z')
        {
            return false;
        }

        Span<char> chars = stackalloc char[27];
        for (var i = 0; i < 27; i++)
        {
            chars[i] = (char)text[i];
        }

        if (!DateTime.TryParseExact(chars, "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var time))
        {
            return false;
        }

        ticks = time.Ticks;
        return true;
    }
}
