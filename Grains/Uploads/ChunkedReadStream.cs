namespace OrleansTasks.Uploads;

/// <summary>
/// A seekable, read-only stream over a body kept in numbered chunks of a fixed size (the last may be
/// shorter): a seek only moves the position, and a read fetches the chunk holding the position, one
/// chunk held at a time. <see cref="Tasks.Sources.LineReader"/> reads an upload through it exactly as it
/// reads a file.
/// </summary>
public sealed class ChunkedReadStream(long length, int chunkBytes, Func<long, CancellationToken, Task<ReadOnlyMemory<byte>>> readChunk) : Stream
{
    private long _position;
    private long _chunkSequence = -1;
    private ReadOnlyMemory<byte> _chunk;

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => _position = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value), "A position is 0 or more.");
    }

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        SeekOrigin.End => length + offset,
        _ => throw new ArgumentOutOfRangeException(nameof(origin)),
    };

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_position >= length || buffer.IsEmpty)
        {
            return 0;
        }

        var sequence = _position / chunkBytes;
        if (sequence != _chunkSequence)
        {
            _chunk = await readChunk(sequence, cancellationToken);
            _chunkSequence = sequence;
            var expected = Math.Min(chunkBytes, length - (sequence * chunkBytes));
            if (_chunk.Length != expected)
            {
                throw new IOException($"Chunk {sequence} holds {_chunk.Length} bytes where {expected} were expected: the body is damaged.");
            }
        }

        var at = (int)(_position - (sequence * chunkBytes));
        var count = Math.Min(buffer.Length, _chunk.Length - at);
        _chunk.Slice(at, count).CopyTo(buffer);
        _position += count;
        return count;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("The body is read over the network: read it asynchronously.");

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
