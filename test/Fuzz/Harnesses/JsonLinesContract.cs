using OrleansTasks.Tasks.Sources;

namespace OrleansTasks.Fuzz.Harnesses;

/// <summary>
/// What a JSON-lines body promises its reader, worked out from the bytes alone: every line holding
/// a byte other than a space, a tab or a carriage return is one entry, in order, numbered by its
/// line from 1 (blank lines counted); an entry is a document or a failure that names its line, never
/// an exception; the position after an entry is where its line ends; the counting at upload time
/// (<see cref="LineTally"/>) finds as many documents as the reading.
/// </summary>
internal static class JsonLinesContract
{
    /// <summary>Each non-blank line of <paramref name="body"/>: its number and the offset after its line break (or the body's end).</summary>
    public static List<(long Number, long End)> Lines(ReadOnlySpan<byte> body)
    {
        var lines = new List<(long, long)>();
        long number = 0;
        var start = 0;
        while (start < body.Length)
        {
            var length = body[start..].IndexOf((byte)'\n');
            var end = length < 0 ? body.Length : start + length + 1;
            number++;
            if (body[start..(length < 0 ? body.Length : start + length)].IndexOfAnyExcept(" \t\r"u8) >= 0)
            {
                lines.Add((number, end));
            }

            start = end;
        }

        return lines;
    }

    /// <summary>The documents <see cref="LineTally"/> counts in <paramref name="body"/> given in blocks of <paramref name="blockSize"/> bytes.</summary>
    public static long Tally(ReadOnlySpan<byte> body, int blockSize)
    {
        var tally = new LineTally();
        for (var offset = 0; offset < body.Length; offset += blockSize)
        {
            tally.Add(body.Slice(offset, Math.Min(blockSize, body.Length - offset)));
        }

        return tally.Finish();
    }

    /// <summary>Throws unless <paramref name="entries"/>, read from <paramref name="path"/>, are the entries <paramref name="expected"/> promises.</summary>
    public static void Check(string path, IReadOnlyList<SourceEntry> entries, IReadOnlyList<(long Number, long End)> expected)
    {
        if (entries.Count != expected.Count)
        {
            throw new InvalidOperationException($"{entries.Count} entries read from {expected.Count} non-blank lines.");
        }

        for (var i = 0; i < entries.Count; i++)
        {
            var (entry, (number, end)) = (entries[i], expected[i]);
            if (entry.After.Path != path || entry.After.Line != number || entry.After.Offset != end || entry.After.FileDone)
            {
                throw new InvalidOperationException($"Entry {i} (line {number}, ending at {end}) is positioned at {entry.After}.");
            }

            var failed = entry.Document is null;
            if (failed == (entry.Problem is null))
            {
                throw new InvalidOperationException($"Entry {i} is {(failed ? "neither a document nor a failure" : "both a document and a failure")}.");
            }

            if (failed && (entry.Id != $"{path}:{number}" || !entry.Problem!.StartsWith($"Line {number} of {path}: ", StringComparison.Ordinal)))
            {
                throw new InvalidOperationException($"The failure of line {number} does not name it: {entry.Id}: {entry.Problem}");
            }

            if (!failed && entry.Id != entry.Document!.Id)
            {
                throw new InvalidOperationException($"Entry {i} is named {entry.Id}, its document {entry.Document.Id}.");
            }
        }
    }
}
