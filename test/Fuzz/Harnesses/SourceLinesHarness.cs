using OrleansTasks.Tasks.Sources;

namespace OrleansTasks.Fuzz.Harnesses;

/// <summary>
/// A JSON-lines file of a streaming source, read as a task reads it: from the start, then again from
/// the position after one of its entries (a task resumed elsewhere), with a line limit the input's
/// first byte picks (small, so that over-long lines are reached). See <see cref="JsonLinesContract"/>.
/// </summary>
internal sealed class SourceLinesHarness : IHarness
{
    private const string Path = "docs/part.jsonl";

    public string Name => "source-lines";

    public string Covers => "LineReader and JsonLineEntries (a directory source's or an upload's JSON lines, read from any position) against LineTally's count";

    public string? Dictionary => "json.dict";

    public void Run(byte[] input)
    {
        if (input.Length < 2)
        {
            return;
        }

        var maxLineBytes = 8 + (input[0] % 120);
        var maxDocumentBytes = 4 + (input[0] % 60);
        var body = input[2..];
        var expected = JsonLinesContract.Lines(body);
        var entries = Read(body, null, maxLineBytes, maxDocumentBytes);
        JsonLinesContract.Check(Path, entries, expected);
        var counted = JsonLinesContract.Tally(body, 1 + (input[1] % 13));
        if (counted != entries.Count)
        {
            throw new InvalidOperationException($"LineTally counted {counted} documents, the reader read {entries.Count}.");
        }

        if (entries.Count == 0)
        {
            return;
        }

        var resumeAfter = input[1] % entries.Count;
        var rest = Read(body, entries[resumeAfter].After, maxLineBytes, maxDocumentBytes);
        JsonLinesContract.Check(Path, rest, [.. expected.Skip(resumeAfter + 1)]);
        for (var i = 0; i < rest.Count; i++)
        {
            var (again, first) = (rest[i], entries[resumeAfter + 1 + i]);
            if ((again.Id, again.Problem, again.Document?.Content) != (first.Id, first.Problem, first.Document?.Content))
            {
                throw new InvalidOperationException($"Resumed after entry {resumeAfter}, entry {resumeAfter + 1 + i} reads differently.");
            }
        }
    }

    private static List<SourceEntry> Read(byte[] body, SourcePosition? from, int maxLineBytes, int maxDocumentBytes)
    {
        var lines = new LineReader(new MemoryStream(body, writable: false), from?.Offset ?? 0, from?.Line ?? 0, maxLineBytes);
        using var entries = new JsonLineEntries(Path, lines, maxDocumentBytes);
        var read = new List<SourceEntry>();
        while (entries.NextAsync(CancellationToken.None).GetAwaiter().GetResult() is { } entry)
        {
            read.Add(entry);
        }

        if (entries.Position != SourcePosition.Done(Path))
        {
            throw new InvalidOperationException($"The body's end is positioned at {entries.Position}.");
        }

        return read;
    }
}
