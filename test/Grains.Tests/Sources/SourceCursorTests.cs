using OrleansTasks.Tasks.Sources;

namespace OrleansTasks.Grains.Tests.Sources;

public sealed class SourceCursorTests : IDisposable
{
    private readonly SourceScratch _files = new();

    [Fact]
    public async Task Files_are_read_depth_first_in_ordinal_order_of_their_names_each_one_document()
    {
        _files.Write("b.md", "Bee");
        _files.Write("a/z.md", "Zed");
        _files.Write("a-c.md", "Dash");
        _files.Write("a/b/c.md", "Sea");
        _files.Write("notes.txt", "not matched");
        _files.Write(".hidden/x.md", "hidden");

        var entries = await SourceScratch.ReadAllAsync(_files.Location("*.md"));

        Assert.Equal(["a/b/c.md", "a/z.md", "a-c.md", "b.md"], entries.Select(e => e.Id));
        Assert.Equal(["Sea", "Zed", "Dash", "Bee"], entries.Select(e => e.Document!.Content));
        Assert.Equal("c", entries[0].Document!.Title);
        Assert.All(entries, e => Assert.True(e.After.FileDone));
        Assert.Equal(["a/b/c.md", "a/z.md", "a-c.md", "b.md"], entries.Select(e => e.After.Path).Order(Comparer<string>.Create(SourceOrder.Compare)));
    }

    [Fact]
    public async Task Json_lines_are_one_document_a_line_blank_lines_skipped_and_a_bad_line_fails_alone_with_its_number()
    {
        _files.Write("dump.jsonl", """
            {"id":"one","title":"One","content":"first"}

            not json
            {"id":"two","content":"second"}
            {"id":"three","title":null,"content":7}
            {"id":"four","content":"fourth"}
            """);

        var entries = await SourceScratch.ReadAllAsync(_files.Location("*.jsonl"));

        Assert.Equal(["one", "dump.jsonl:3", "two", "dump.jsonl:5", "four"], entries.Select(e => e.Id));
        Assert.Equal("One", entries[0].Document!.Title);
        Assert.Null(entries[2].Document!.Title);
        Assert.Null(entries[1].Document);
        Assert.StartsWith("Line 3 of dump.jsonl: the line is not valid JSON", entries[1].Problem, StringComparison.Ordinal);
        Assert.Equal("Line 5 of dump.jsonl: 'content' must be a string.", entries[3].Problem);
        Assert.Equal([1L, 3, 4, 5, 6], entries.Select(e => e.After.Line));
    }

    [Fact]
    public async Task A_byte_order_mark_before_the_first_line_is_not_part_of_it()
    {
        File.WriteAllText(_files.Write("marked.jsonl", ""), "{\"id\":\"first\",\"content\":\"text\"}\n", new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: true));

        var entries = await SourceScratch.ReadAllAsync(_files.Location());

        Assert.Equal("text", Assert.Single(entries).Document!.Content);
    }

    [Fact]
    public async Task Reading_on_from_any_position_gives_exactly_the_entries_after_it()
    {
        _files.Write("a.md", "alpha");
        _files.Write("m/data.ndjson", string.Join('\n', Enumerable.Range(0, 20).Select(i => $$"""{"id":"line{{i}}","content":"text {{i}} é"}""")) + "\n\n");
        _files.Write("m/x.md", "ex");
        _files.Write("z.jsonl", """{"id":"last","content":"the end"}""");
        var location = _files.Location();
        var all = await SourceScratch.ReadAllAsync(location);

        for (var i = 0; i < all.Count; i++)
        {
            var rest = await SourceScratch.ReadAllAsync(location, all[i].After);
            Assert.Equal(all.Skip(i + 1).Select(e => e.Id), rest.Select(e => e.Id));
        }

        Assert.Equal(23, all.Count);
    }

    [Fact]
    public async Task A_file_linking_outside_the_roots_fails_alone_unread_and_a_linked_directory_is_not_walked()
    {
        File.WriteAllText(Path.Combine(_files.Outside, "secret.md"), "secret");
        _files.Write("a.md", "alpha");
        File.CreateSymbolicLink(Path.Combine(_files.Root, "leak.md"), Path.Combine(_files.Outside, "secret.md"));
        Directory.CreateSymbolicLink(Path.Combine(_files.Root, "linked"), _files.Outside);

        var entries = await SourceScratch.ReadAllAsync(_files.Location("*.md"));

        Assert.Equal(["a.md", "leak.md"], entries.Select(e => e.Id));
        Assert.Null(entries[1].Document);
        Assert.Contains("outside the server's source roots", entries[1].Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_whose_links_loop_fails_alone_unread_and_reading_goes_on()
    {
        _files.Write("a.md", "alpha");
        _files.Write("z.md", "zed");
        File.CreateSymbolicLink(Path.Combine(_files.Root, "loop.md"), "loop-too.md");
        File.CreateSymbolicLink(Path.Combine(_files.Root, "loop-too.md"), "loop.md");

        var entries = await SourceScratch.ReadAllAsync(_files.Location("*.md"));

        Assert.Equal(["a.md", "loop-too.md", "loop.md", "z.md"], entries.Select(e => e.Id));
        Assert.Equal(["alpha", "zed"], entries.Where(e => e.Document is not null).Select(e => e.Document!.Content));
        Assert.All(entries.Where(e => e.Id.StartsWith("loop", StringComparison.Ordinal)), e =>
        {
            Assert.Null(e.Document);
            Assert.Contains("symbolic links loop", e.Problem, StringComparison.Ordinal);
            Assert.Equal(e.Id, e.FailedDocumentId);
        });
    }

    [Fact]
    public async Task A_file_or_line_over_the_document_limit_fails_alone_and_reading_goes_on()
    {
        _files.Write("big.md", new string('x', 200));
        _files.Write("lines.jsonl", $$"""
            {"id":"huge","content":"{{new string('y', 70_000)}}"}
            {"id":"big","content":"{{new string('y', 150)}}"}
            {"id":"small","content":"fits"}
            """);

        var entries = await SourceScratch.ReadAllAsync(_files.Location(), maxDocumentBytes: 100);

        Assert.Equal(["big.md", "lines.jsonl:1", "lines.jsonl:2", "small"], entries.Select(e => e.Id));
        Assert.Equal("The file is larger than 100 bytes.", entries[0].Problem);
        Assert.Equal("Line 1 of lines.jsonl: the line is longer than the 100-byte document limit allows.", entries[1].Problem);
        Assert.Equal("Line 2 of lines.jsonl: the content is larger than 100 bytes.", entries[2].Problem);
        Assert.Equal("fits", entries[3].Document!.Content);
    }

    [Fact]
    public void Directories_outside_the_roots_are_refused_when_the_task_is_created()
    {
        var outside = Assert.Throws<InvalidTaskRequestException>(() => SourceLocation.Resolve(new DirectorySource(_files.Outside, "*"), [_files.Root]));
        var dotDot = Assert.Throws<InvalidTaskRequestException>(() => SourceLocation.Resolve(new DirectorySource(Path.Combine(_files.Root, "..", "outside"), "*"), [_files.Root]));
        var pattern = Assert.Throws<InvalidTaskRequestException>(() => SourceLocation.Resolve(new DirectorySource(_files.Root, "../*"), [_files.Root]));

        Assert.Equal("source", outside.Field);
        Assert.Equal("source", dotDot.Field);
        Assert.Contains("pattern", pattern.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _files.Dispose();
}
