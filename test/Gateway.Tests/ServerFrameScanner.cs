using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// Follows the bytes a server sends on a WebSocket connection — the HTTP response, then frames
/// (RFC 6455 §5.2, unmasked) — and notes when each text frame and the close frame arrived.
/// </summary>
internal sealed class ServerFrameScanner
{
    private const int TextOpcode = 0x1;
    private const int CloseOpcode = 0x8;
    private static readonly byte[] EndOfHeaders = "\r\n\r\n"u8.ToArray();

    private readonly Lock _lock = new();
    private readonly List<byte> _unread = [];
    private readonly TaskCompletionSource<long> _closeArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _upgraded;
    private long _lastTextAt;

    /// <summary>The timestamp at which the close frame arrived.</summary>
    public Task<long> CloseArrived => _closeArrived.Task;

    /// <summary>The timestamp at which the last text message arrived; zero before any did.</summary>
    public long LastTextAt
    {
        get
        {
            lock (_lock)
            {
                return _lastTextAt;
            }
        }
    }

    public void Read(ReadOnlySpan<byte> bytes, long arrivedAt)
    {
        lock (_lock)
        {
            _unread.AddRange(bytes);
            if (!_upgraded)
            {
                var end = CollectionsMarshal.AsSpan(_unread).IndexOf(EndOfHeaders);
                if (end < 0)
                {
                    return;
                }

                _unread.RemoveRange(0, end + EndOfHeaders.Length);
                _upgraded = true;
            }

            while (TryTakeFrame() is { } opcode)
            {
                if (opcode == TextOpcode)
                {
                    _lastTextAt = arrivedAt;
                }
                else if (opcode == CloseOpcode)
                {
                    _closeArrived.TrySetResult(arrivedAt);
                }
            }
        }
    }

    private int? TryTakeFrame()
    {
        var unread = CollectionsMarshal.AsSpan(_unread);
        if (unread.Length < 2)
        {
            return null;
        }

        var (headerLength, payloadLength) = (unread[1] & 0x7F) switch
        {
            126 when unread.Length >= 4 => (4, (long)BinaryPrimitives.ReadUInt16BigEndian(unread[2..])),
            127 when unread.Length >= 10 => (10, (long)BinaryPrimitives.ReadUInt64BigEndian(unread[2..])),
            126 or 127 => (int.MaxValue, 0L),
            var length => (2, (long)length),
        };
        if (unread.Length < headerLength + payloadLength)
        {
            return null;
        }

        var opcode = unread[0] & 0x0F;
        _unread.RemoveRange(0, headerLength + (int)payloadLength);
        return opcode;
    }
}
