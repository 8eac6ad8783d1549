namespace OrleansTasks.Gateway.WebSockets;

/// <summary>
/// The upgraded connection of a socket, passed through unchanged while the pings going out and
/// the pongs coming in are noted. The WebSocket writes each frame with one write, header first;
/// writes take turns, so that a ping of the gateway's own can go out between two frames.
/// </summary>
public sealed class ObservedTransportStream(Stream inner, PingTracker pings) : Stream
{
    private const byte PingHeader = 0x89;
    private const int MaxControlPayload = 125;
    private readonly IncomingFrameReader _incoming = new(pings);
    private readonly SemaphoreSlim _writing = new(1, 1);

    public override bool CanRead => inner.CanRead;

    public override bool CanSeek => false;

    public override bool CanWrite => inner.CanWrite;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        _incoming.Read(buffer.Span[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count)
    {
        var read = inner.Read(buffer, offset, count);
        _incoming.Read(buffer.AsSpan(offset, read));
        return read;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!_writing.Wait(0, CancellationToken.None))
        {
            return WriteInTurnAsync(buffer, cancellationToken);
        }

        ValueTask writing;
        try
        {
            NoteWrite(buffer.Span);
            writing = inner.WriteAsync(buffer, cancellationToken);
        }
        catch
        {
            _writing.Release();
            throw;
        }

        if (writing.IsCompleted)
        {
            _writing.Release();
            return writing;
        }

        return ReleaseWhenWrittenAsync(writing);
    }

    /// <summary>Sends a ping frame (unmasked, as a server's are) between the WebSocket's frames.</summary>
    public ValueTask PingAsync(ReadOnlySpan<byte> payload)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(payload.Length, MaxControlPayload);
        var frame = new byte[2 + payload.Length];
        frame[0] = PingHeader;
        frame[1] = (byte)payload.Length;
        payload.CopyTo(frame.AsSpan(2));
        return WriteAsync(frame, CancellationToken.None);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count)
    {
        _writing.Wait();
        try
        {
            NoteWrite(buffer.AsSpan(offset, count));
            inner.Write(buffer, offset, count);
        }
        finally
        {
            _writing.Release();
        }
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override void Flush() => inner.Flush();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync();
        await base.DisposeAsync();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private async ValueTask WriteInTurnAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        await _writing.WaitAsync(cancellationToken);
        try
        {
            NoteWrite(buffer.Span);
            await inner.WriteAsync(buffer, cancellationToken);
        }
        finally
        {
            _writing.Release();
        }
    }

    private async ValueTask ReleaseWhenWrittenAsync(ValueTask writing)
    {
        try
        {
            await writing;
        }
        finally
        {
            _writing.Release();
        }
    }

    private void NoteWrite(ReadOnlySpan<byte> frame)
    {
        // A server frame is unmasked, and a ping's payload (at most 125 bytes) follows its two-byte header.
        if (frame.Length >= 2 && frame[0] == PingHeader && frame.Length >= 2 + (frame[1] & 0x7F))
        {
            pings.PingSent(frame.Slice(2, frame[1] & 0x7F));
        }
    }
}
