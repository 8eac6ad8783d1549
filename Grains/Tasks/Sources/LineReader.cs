namespace OrleansTasks.Tasks.Sources;

/// <summary>
/// Reads a file line by line from a byte offset, keeping the offset of the next line and the number
/// of lines read, so that a reader can stop after any line and another can start exactly there. A line
/// longer than the limit is not held in memory: it is skipped to its end and reported as too long.
/// </summary>
public sealed class LineReader : IDisposable
{
    private const int BlockBytes = 64 * 1024;

    private readonly Stream _stream;
    private readonly int _maxLineBytes;
    private byte[] _buffer = new byte[BlockBytes];
    private int _start;
    private int _end;
    private bool _eof;

    public LineReader(Stream stream, long offset, long line, int maxLineBytes)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _maxLineBytes = maxLineBytes;
        _stream.Seek(offset, SeekOrigin.Begin);
        Offset = offset;
        Line = line;
    }

    /// <summary>The byte offset where the next line starts.</summary>
    public long Offset { get; private set; }

    /// <summary>Lines read so far, counting from the start of the file: the number of the last line read.</summary>
    public long Line { get; private set; }

    /// <summary>The next line without its line break, or null at the end of the file.</summary>
    public async ValueTask<TextLine?> ReadAsync(CancellationToken cancellationToken)
    {
        var tooLong = false;

        // Whether the bytes of a line too long to hold held anything but blanks: a blank one is no document, however long.
        var content = false;
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (newline >= 0 || (_eof && _end > _start))
            {
                var lineEnd = newline >= 0 ? newline : _end;
                tooLong |= lineEnd - _start > _maxLineBytes;
                content |= tooLong && HasContent(_start, lineEnd);
                var bytes = tooLong ? ReadOnlyMemory<byte>.Empty : _buffer.AsMemory(_start, lineEnd - _start);
                Offset += lineEnd - _start + (newline >= 0 ? 1 : 0);
                _start = newline >= 0 ? newline + 1 : _end;
                Line++;
                return new TextLine(bytes, tooLong, Line, BlankTooLong: tooLong && !content);
            }

            if (_eof)
            {
                return tooLong ? Finish() : null;
            }

            if (_end - _start > _maxLineBytes)
            {
                // Too long to hold: what is buffered is dropped and counted, the rest skipped up to the break.
                tooLong = true;
                content |= HasContent(_start, _end);
                Offset += _end - _start;
                _start = _end = 0;
            }

            await FillAsync(cancellationToken);
        }

        TextLine Finish()
        {
            Line++;
            return new TextLine(ReadOnlyMemory<byte>.Empty, TooLong: true, Line, BlankTooLong: !content);
        }
    }

    private bool HasContent(int start, int end) => _buffer.AsSpan(start, end - start).IndexOfAnyExcept(TextLine.Blanks) >= 0;

    public void Dispose() => _stream.Dispose();

    private async Task FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        var read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
        _end += read;
        _eof = read == 0;
    }
}

/// <summary>
/// One line of a file: its bytes (empty when <see cref="TooLong"/>) and its number, from 1; a line
/// too long to hold says whether all of it was blank.
/// </summary>
public readonly record struct TextLine(ReadOnlyMemory<byte> Bytes, bool TooLong, long Number, bool BlankTooLong = false)
{
    /// <summary>Whether the line holds nothing but spaces, tabs and a carriage return: such lines are not documents.</summary>
    public bool IsBlank => TooLong ? BlankTooLong : Bytes.Span.IndexOfAnyExcept(Blanks) < 0;

    internal static ReadOnlySpan<byte> Blanks => " \t\r"u8;
}
