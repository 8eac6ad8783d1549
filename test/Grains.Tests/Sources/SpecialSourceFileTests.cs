using OrleansTasks.Tasks.Sources;

namespace OrleansTasks.Grains.Tests.Sources;

/// <summary>A source's files that are not regular files, read and counted: each the one failed entry of its document, never opened.</summary>
public sealed class SpecialSourceFileTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    private readonly SourceScratch _files = new();
    private readonly SpecialFiles _special = new();

    public SpecialSourceFileTests()
    {
        _files.Write("a.md", "alpha");
        _files.Write("lines.jsonl", "{\"id\":\"l1\",\"content\":\"one\"}\n{\"id\":\"l2\",\"content\":\"two\"}\n");
        _special.Pipe(Path.Combine(_files.Root, "pipe.jsonl"));
        _special.Pipe(Path.Combine(_files.Root, "pipe.md"));
        _special.Socket(Path.Combine(_files.Root, "sock.md"));
        _files.Write("z.md", "zed");
    }

    [Fact]
    public async Task Each_fails_alone_unopened_naming_its_kind_and_reading_goes_on()
    {
        var entries = await SpecialFiles.WithinAsync(Deadline, "the cursor's entries", () => SourceScratch.ReadAllAsync(_files.Location()));

        Assert.Equal(["a.md", "l1", "l2", "pipe.jsonl", "pipe.md", "sock.md", "z.md"], entries.Select(e => e.Id));
        Assert.Equal(
            [
                "The file is not a regular file (a named pipe); it was not read.",
                "The file is not a regular file (a named pipe); it was not read.",
                "The file is not a regular file (a socket); it was not read.",
            ],
            entries.Where(e => e.Document is null).Select(e => e.Problem));

        // A whole file's document is kept by a delete_missing pass; a JSON-lines file's documents are unknown.
        Assert.Equal([null, "pipe.md", "sock.md"], entries.Where(e => e.Document is null).Select(e => e.FailedDocumentId));
    }

    [Fact]
    public async Task Each_counts_as_the_one_failed_entry_a_cursor_reads()
    {
        var location = _files.Location();

        var count = await SpecialFiles.WithinAsync(Deadline, "the count", () => SourceCounter.CountAsync(location, null, TimeSpan.FromMinutes(1), CancellationToken.None));

        Assert.True(count.Done);
        Assert.Equal(7, count.Counted);
    }

    [Fact]
    public async Task The_cursor_says_a_json_lines_file_not_read_cuts_the_source_short()
    {
        using var cursor = new SourceCursor(_files.Location("*.jsonl"), null, 1024);

        var entries = await SpecialFiles.WithinAsync(Deadline, "the cursor's entries", async () =>
        {
            var read = new List<SourceEntry>();
            while (await cursor.NextAsync(CancellationToken.None) is { } entry)
            {
                read.Add(entry);
            }

            return read;
        });

        Assert.Equal(["l1", "l2", "pipe.jsonl"], entries.Select(e => e.Id));
        Assert.Equal("the JSON-lines file 'pipe.jsonl' was not read", cursor.CutShort);
    }

    public void Dispose()
    {
        _special.Dispose();
        _files.Dispose();
    }
}
