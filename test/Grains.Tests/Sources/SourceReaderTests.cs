using OrleansTasks.Tasks.Sources;

namespace OrleansTasks.Grains.Tests.Sources;

public sealed class SourceReaderTests : IDisposable
{
    private readonly SourceScratch _files = new();

    [Fact]
    public async Task Slices_cover_the_source_once_in_order_and_end_with_it()
    {
        _files.Write("data.jsonl", string.Join('\n', Enumerable.Range(0, 95).Select(i => $$"""{"id":"d{{i:D3}}","content":"text {{i}}"}""")));
        var location = _files.Location();
        using var reader = new SourceReader(1024 * 1024);
        var ids = new List<string>();
        SourcePosition? position = null;
        SourceSlice slice;
        do
        {
            slice = await reader.NextSliceAsync(location, position, 10, long.MaxValue, CancellationToken.None);
            Assert.True(slice.Entries.Count <= 10);
            ids.AddRange(slice.Entries.Select(e => e.Id));
            position = slice.Next;
        }
        while (!slice.Ended);

        Assert.Equal(Enumerable.Range(0, 95).Select(i => $"d{i:D3}"), ids);
        Assert.Equal(new SourcePosition("data.jsonl", 0, 0, FileDone: true), position);
    }

    [Fact]
    public async Task A_repeated_id_starts_the_next_slice_and_a_slice_asked_again_from_its_start_reads_the_same()
    {
        _files.Write("data.jsonl", """
            {"id":"a","content":"1"}
            {"id":"b","content":"2"}
            {"id":"a","content":"3"}
            {"id":"c","content":"4"}
            """);
        var location = _files.Location();
        using var reader = new SourceReader(1024 * 1024);

        var first = await reader.NextSliceAsync(location, null, 10, long.MaxValue, CancellationToken.None);
        var second = await reader.NextSliceAsync(location, first.Next, 10, long.MaxValue, CancellationToken.None);
        var again = await reader.NextSliceAsync(location, first.Next, 10, long.MaxValue, CancellationToken.None);

        Assert.Equal(["a", "b"], first.Entries.Select(e => e.Id));
        Assert.False(first.Ended);
        Assert.Equal(["a", "c"], second.Entries.Select(e => e.Id));
        Assert.Equal(["3", "4"], second.Entries.Select(e => e.Document!.Content));
        Assert.True(second.Ended);
        Assert.Equal(second.Entries.Select(e => e.Id), again.Entries.Select(e => e.Id));
    }

    [Fact]
    public async Task A_slice_stops_before_the_document_that_would_take_it_over_its_characters()
    {
        _files.Write("a.md", new string('a', 60));
        _files.Write("b.md", new string('b', 60));
        _files.Write("c.md", new string('c', 10));
        using var reader = new SourceReader(1024 * 1024);

        var first = await reader.NextSliceAsync(_files.Location(), null, 10, 100, CancellationToken.None);
        var second = await reader.NextSliceAsync(_files.Location(), first.Next, 10, 100, CancellationToken.None);

        Assert.Equal(["a.md"], first.Entries.Select(e => e.Id));
        Assert.Equal(["b.md", "c.md"], second.Entries.Select(e => e.Id));
    }

    [Fact]
    public async Task A_slice_whose_read_failed_midway_is_read_again_from_its_start()
    {
        var cursors = new List<FailingCursor>();
        ISourceCursor Open(SourcePosition? from)
        {
            var cursor = new FailingCursor((int)(from?.Line ?? 0), failAfter: cursors.Count == 0 ? 3 : null);
            cursors.Add(cursor);
            return cursor;
        }

        using var reader = new SourceReader(1024 * 1024);
        var first = await reader.NextSliceAsync(Open, null, 2, long.MaxValue, CancellationToken.None);
        await Assert.ThrowsAsync<IOException>(() => reader.NextSliceAsync(Open, first.Next, 2, long.MaxValue, CancellationToken.None));
        var again = await reader.NextSliceAsync(Open, first.Next, 2, long.MaxValue, CancellationToken.None);

        Assert.Equal(["d0", "d1"], first.Entries.Select(e => e.Id));
        Assert.Equal(["d2", "d3"], again.Entries.Select(e => e.Id));
        Assert.Equal(2, cursors.Count);
        Assert.True(cursors[0].Disposed);
    }

    public void Dispose() => _files.Dispose();

    /// <summary>Entries d{n}, d{n+1}, …; the first cursor fails once after reading <c>failAfter</c> of them, as a stream whose connection broke and came back.</summary>
    private sealed class FailingCursor(int first, int? failAfter) : ISourceCursor
    {
        private int _read;
        private bool _failed;

        public bool Disposed { get; private set; }

        public SourcePosition? Position { get; private set; }

        public string? CutShort => null;

        public Task<SourceEntry?> NextAsync(CancellationToken cancellationToken)
        {
            if (!_failed && _read == failAfter)
            {
                _failed = true;
                throw new IOException("The stream's connection broke.");
            }

            var line = first + _read++;
            var id = $"d{line}";
            Position = new SourcePosition("stream", line + 1, line + 1, FileDone: false);
            return Task.FromResult<SourceEntry?>(new SourceEntry(id, new IndexDocument(id, id, "text"), null, Position));
        }

        public void Dispose() => Disposed = true;
    }
}
