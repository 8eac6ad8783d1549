using System.Security.Cryptography;

namespace OrleansTasks.Schedules;

/// <summary>
/// The task id of one occurrence of one schedule, or of one run-now request, derived from both, so
/// that firing an occurrence twice (a doubled reminder tick, a retry after a crash) or repeating a
/// request starts the same task, which Start makes a no-op.
/// </summary>
public static class OccurrenceIds
{
    public static Guid For(Guid scheduleId, DateTimeOffset occurrence)
    {
        Span<byte> input = stackalloc byte[24];
        scheduleId.TryWriteBytes(input);
        BitConverter.TryWriteBytes(input[16..], occurrence.UtcTicks);
        return Derive(input);
    }

    public static Guid ForRequest(Guid scheduleId, Guid requestId)
    {
        // 33 bytes, so that no occurrence's 24 bytes can hash the same.
        Span<byte> input = stackalloc byte[33];
        scheduleId.TryWriteBytes(input);
        requestId.TryWriteBytes(input[16..]);
        input[32] = 1;
        return Derive(input);
    }

    private static Guid Derive(ReadOnlySpan<byte> input)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(input, hash);
        var bytes = hash[..16];
        // Mark it as an RFC 9562 version 8 (custom) UUID.
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x80);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes);
    }
}
