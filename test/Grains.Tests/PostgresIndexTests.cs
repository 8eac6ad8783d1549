using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using OrleansTasks.Indexing;
using OrleansTasks.Search;

namespace OrleansTasks.Grains.Tests;

public sealed class PostgresIndexTests(PostgresSiloFixture fixture) : IClassFixture<PostgresSiloFixture>
{
    private IDocumentIndex Index => fixture.Silo.Services.GetRequiredService<IDocumentIndex>();

    private static string NewCollection() => "c" + Guid.NewGuid().ToString("N")[..12];

    private async Task IndexAsync(string collection, params IndexDocument[] documents)
    {
        var indexer = new IncrementalIndexer(Index);
        await indexer.IndexAsync(Guid.NewGuid(), collection, documents, CancellationToken.None);
    }

    [Fact]
    public async Task Cluster_mode_uses_the_postgres_index()
    {
        fixture.Require();

        Assert.IsType<PostgresDocumentIndex>(Index);
    }

    [Fact]
    public async Task Search_ranks_title_and_frequent_matches_first_with_escaped_highlighted_snippets()
    {
        fixture.Require();
        var collection = NewCollection();
        await IndexAsync(collection,
            new IndexDocument("a.md", "Reminders", "Reminders are durable <script>alert(1)</script> when x < y & z; reminders survive restarts."),
            new IndexDocument("b.md", "Timers", "Timers die with their activation; a reminder does not."),
            new IndexDocument("c.md", "Streams", "Streams carry events."));

        var hits = await Index.SearchAsync(collection, SearchQueryParser.Parse("reminders"), 10, CancellationToken.None);

        Assert.Equal(["a.md", "b.md"], hits.Select(h => h.Id));
        Assert.True(hits[0].Score > hits[1].Score);
        Assert.Equal("Reminders", hits[0].Title);
        Assert.Contains("<mark>Reminders</mark>", hits[0].Snippet, StringComparison.Ordinal);
        Assert.Contains("x &lt; y &amp; z", hits[0].Snippet, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", hits[0].Snippet, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Collections_are_isolated()
    {
        fixture.Require();
        var first = NewCollection();
        var second = NewCollection();
        await IndexAsync(first, new IndexDocument("same-id.md", null, "alpha bravo"));
        await IndexAsync(second, new IndexDocument("same-id.md", null, "charlie delta"));

        Assert.Single(await Index.SearchAsync(first, SearchQueryParser.Parse("alpha"), 10, CancellationToken.None));
        Assert.Empty(await Index.SearchAsync(first, SearchQueryParser.Parse("charlie"), 10, CancellationToken.None));
        Assert.Single(await Index.SearchAsync(second, SearchQueryParser.Parse("charlie"), 10, CancellationToken.None));
    }

    [Theory]
    [InlineData("'; DROP TABLE documents; --")]
    [InlineData("x' | 'plain")]
    [InlineData("a & | ! ( ) : <-> x")]
    [InlineData("the")]
    public async Task Input_that_looks_like_sql_or_query_syntax_is_only_text(string query)
    {
        fixture.Require();
        var collection = NewCollection();
        await IndexAsync(collection, new IndexDocument("x.md", null, "plain words here"));

        var hits = await Index.SearchAsync(collection, SearchQueryParser.Parse(query), 10, CancellationToken.None);

        Assert.Empty(hits);
        Assert.Single(await Index.SearchAsync(collection, SearchQueryParser.Parse("plain"), 10, CancellationToken.None));
    }

    [Fact]
    public async Task Indexing_the_same_10000_documents_twice_writes_nothing_the_second_time()
    {
        fixture.Require();
        var collection = NewCollection();
        var documents = Documents.Generate(10_000, wordsPerDocument: 20);

        var first = await RunAsync(collection, documents);
        var writesAfterFirst = await Index.CountWritesAsync(collection, CancellationToken.None);
        var second = await RunAsync(collection, documents);

        Assert.Equal(new TaskCounts(10_000, 0, 0), first.Counts);
        Assert.Equal(new TaskCounts(0, 10_000, 0), second.Counts);
        Assert.Equal(10_000, writesAfterFirst);
        Assert.Equal(writesAfterFirst, await Index.CountWritesAsync(collection, CancellationToken.None));
    }

    private async Task<IndexTaskSnapshot> RunAsync(string collection, ImmutableArray<IndexDocument> documents)
    {
        var taskId = Guid.NewGuid();
        await using var watcher = await TaskWatcher.StartAsync(fixture.Silo.Client, taskId);
        await fixture.Silo.Client.GetGrain<IIndexTaskGrain>(taskId).Start(new StartIndexTask("alice", collection, documents));
        return await watcher.WaitForTerminalAsync(TimeSpan.FromMinutes(3));
    }
}
