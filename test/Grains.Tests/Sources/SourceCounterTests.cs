using OrleansTasks.Tasks.Sources;

namespace OrleansTasks.Grains.Tests.Sources;

public sealed class SourceCounterTests : IDisposable
{
    private readonly SourceScratch _files = new();

    public SourceCounterTests()
    {
        _files.Write("a.md", "alpha");
        _files.Write("d/one.jsonl", string.Join('\n', Enumerable.Range(0, 5000).Select(i => $$"""{"id":"d{{i}}","content":"{{new string('w', i % 90)}} words"}""")) + "\n \n\r\n");
        _files.Write("d/two.ndjson", """
            {"id":"x","content":"x"}
            broken line
            {"id":"y","content":"y"}
            """);
        _files.Write("z.txt", "zed");
    }

    [Fact]
    public async Task The_count_is_the_number_of_entries_a_cursor_reads()
    {
        var location = _files.Location();

        var count = await SourceCounter.CountAsync(location, null, TimeSpan.FromMinutes(1), CancellationToken.None);

        Assert.True(count.Done);
        Assert.Equal((await SourceScratch.ReadAllAsync(location)).Count, count.Counted);
        Assert.Equal(5005, count.Counted);
    }

    [Fact]
    public async Task A_file_whose_links_loop_counts_as_the_one_failed_entry_a_cursor_reads()
    {
        File.CreateSymbolicLink(Path.Combine(_files.Root, "loop.jsonl"), "loop.md");
        File.CreateSymbolicLink(Path.Combine(_files.Root, "loop.md"), "loop.jsonl");
        var location = _files.Location();

        var count = await SourceCounter.CountAsync(location, null, TimeSpan.FromMinutes(1), CancellationToken.None);

        Assert.Equal(5007, count.Counted);
        Assert.Equal((await SourceScratch.ReadAllAsync(location)).Count, count.Counted);
    }

    [Fact]
    public async Task A_count_cut_into_turns_by_its_budget_resumes_where_it_stopped_and_adds_up_the_same()
    {
        var location = _files.Location();
        long total = 0;
        SourcePosition? position = null;
        var turns = 0;
        SourceCount count;
        do
        {
            count = await SourceCounter.CountAsync(location, position, TimeSpan.Zero, CancellationToken.None);
            total += count.Counted;
            position = count.Next;
            turns++;
        }
        while (!count.Done);

        Assert.Equal(5005, total);
        Assert.True(turns >= 4, $"counted in {turns} turns");
    }

    public void Dispose() => _files.Dispose();
}
