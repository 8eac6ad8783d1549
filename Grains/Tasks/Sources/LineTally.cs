namespace OrleansTasks.Tasks.Sources;

/// <summary>
/// Counts the non-blank lines (the documents) of a JSON-lines body given in blocks of any size, a
/// line free to cross from one block into the next: a line counts once a byte other than a space, a
/// tab or a carriage return is seen in it. <see cref="LineStart"/> says where the last line began.
/// </summary>
public sealed class LineTally(long offset = 0)
{
    private bool _content;

    /// <summary>Non-blank lines ended so far (the last, unterminated one only after <see cref="Finish"/>).</summary>
    public long Lines { get; private set; }

    /// <summary>Bytes seen so far, from the offset the tally started at.</summary>
    public long Offset { get; private set; } = offset;

    /// <summary>The offset where the line being read began: every line before it is counted.</summary>
    public long LineStart { get; private set; } = offset;

    public void Add(ReadOnlySpan<byte> block)
    {
        for (var i = 0; i < block.Length; i++)
        {
            if (_content)
            {
                // The line is known to count: only its end matters, found by a vectorized search.
                var end = block[i..].IndexOf((byte)'\n');
                if (end < 0)
                {
                    break;
                }

                i += end;
            }

            switch (block[i])
            {
                case (byte)'\n':
                    Lines += _content ? 1 : 0;
                    _content = false;
                    LineStart = Offset + i + 1;
                    break;
                case (byte)' ' or (byte)'\t' or (byte)'\r':
                    break;
                default:
                    _content = true;
                    break;
            }
        }

        Offset += block.Length;
    }

    /// <summary>Counts a last line that has no line break after it; returns all the lines.</summary>
    public long Finish()
    {
        Lines += _content ? 1 : 0;
        _content = false;
        return Lines;
    }
}
