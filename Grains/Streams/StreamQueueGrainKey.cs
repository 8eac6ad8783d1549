using System.Buffers.Binary;

namespace OrleansTasks.Streams;

/// <summary>
/// Reads which queue a memory stream queue grain holds from the grain's key: Orleans keys each such
/// grain by a Guid whose bytes 8–11 are the queue's ring hash (little-endian) and whose bytes 12–15
/// are the queue's number. Placement checks the hash against the provider's queues, so a key of
/// another shape is told apart from a queue, never taken for one.
/// </summary>
public static class StreamQueueGrainKey
{
    public static bool TryReadQueueHash(GrainId grain, out uint queueHash)
    {
        queueHash = 0;
        if (!grain.TryGetGuidKey(out var key, out var extension) || extension is not null)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[16];
        if (!key.TryWriteBytes(bytes))
        {
            return false;
        }

        queueHash = BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..12]);
        return true;
    }
}
