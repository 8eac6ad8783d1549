using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using OrleansTasks.Indexing;
using OrleansTasks.Search;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// One table of queries run against both stores, the embedded Lucene index and PostgreSQL, over
/// the same documents: each query must find the same documents in both.
/// </summary>
public sealed class SearchStoresAgreeTests(PostgresSiloFixture fixture) : IClassFixture<PostgresSiloFixture>, IDisposable
{
    private static readonly ImmutableArray<IndexDocument> Corpus =
    [
        new("d1", "Orleans grains", "An Orleans grain is a virtual actor; grains live in silos."),
        new("d2", "Streams", "The grain417 and grain42 identities stream events to the silo."),
        new("d3", "Reminders", "Grain reminders wake a grain. Timers die with their activation."),
        new("d4", "Indexing", "Indexing documents: the indexer indexes text for search."),
        new("d5", "The cluster", "A cluster of silos: the grain of the orleans cluster."),
        new("d6", null, "Gateway sockets carry progress to clients; grainy pictures are not grains."),
        new("d7", "Document 7", "orleans grain silo"),
        new("d8", "Orleans", "grain directory"),
    ];

    private readonly LuceneDocumentIndex _lucene = new();

    public static TheoryData<string, string[]> Queries => new()
    {
        { "grain", ["d1", "d3", "d5", "d6", "d7", "d8"] },
        { "GRAINS", ["d1", "d3", "d5", "d6", "d7", "d8"] },
        { "grain's", ["d1", "d3", "d5", "d6", "d7", "d8"] },
        { "grain417", ["d2"] },
        { "grain*", ["d1", "d2", "d3", "d5", "d6", "d7", "d8"] },
        { "grains*", ["d1", "d2", "d3", "d5", "d6", "d7", "d8"] },
        { "grain4*", ["d2"] },
        { "grainy", ["d6"] },
        { "orlean*", ["d1", "d5", "d7", "d8"] },
        { "indexing", ["d4"] },
        { "index*", ["d4"] },
        { "silo grain", ["d1", "d5", "d7"] },
        { "the grain", ["d1", "d3", "d5", "d6", "d7", "d8"] },
        { "the", [] },
        { "the* of", [] },
        { "\"orleans grain\"", ["d1", "d7", "d8"] },
        { "\"grain orleans\"", [] },
        { "\"grain of the orleans\"", ["d5"] },
        { "\"grain the of orleans\"", ["d5"] },
        { "\"grain orleans cluster\"", [] },
        { "\"orleans grain\" silo", ["d1", "d7"] },
        { "\"orleans grain\" act*", ["d1"] },
        { "\"grain\"", ["d1", "d3", "d5", "d6", "d7", "d8"] },
        { "timers activation", ["d3"] },
        { "timer activate", ["d3"] },
        { "document 7", ["d7"] },
        { "nothing", [] },
    };

    [Theory]
    [MemberData(nameof(Queries))]
    public async Task A_query_finds_the_same_documents_in_both_stores(string query, string[] expected)
    {
        fixture.Require();
        var collection = await IndexedCollectionAsync();
        var parsed = SearchQueryParser.Parse(query);

        var lucene = await _lucene.SearchAsync(collection, parsed, 100, CancellationToken.None);
        var postgres = await PostgresIndex.SearchAsync(collection, parsed, 100, CancellationToken.None);

        Assert.Equal(expected, lucene.Select(h => h.Id).Order());
        Assert.Equal(expected, postgres.Select(h => h.Id).Order());
    }

    [Theory]
    [InlineData("grain*", "d2", "grain417")]
    [InlineData("\"orleans grain\"", "d7", "orleans")]
    [InlineData("\"orleans grain\"", "d7", "grain")]
    [InlineData("indexing", "d4", "indexer")]
    public async Task Snippets_mark_the_matched_words_in_both_stores(string query, string id, string marked)
    {
        fixture.Require();
        var collection = await IndexedCollectionAsync();
        var parsed = SearchQueryParser.Parse(query);

        foreach (var hits in new[]
        {
            await _lucene.SearchAsync(collection, parsed, 100, CancellationToken.None),
            await PostgresIndex.SearchAsync(collection, parsed, 100, CancellationToken.None),
        })
        {
            Assert.Contains($"<mark>{marked}</mark>", hits.Single(h => h.Id == id).Snippet, StringComparison.Ordinal);
        }
    }

    public void Dispose() => _lucene.Dispose();

    private IDocumentIndex PostgresIndex => fixture.Silo.Services.GetRequiredService<IDocumentIndex>();

    private async Task<string> IndexedCollectionAsync()
    {
        var collection = "agree" + Guid.NewGuid().ToString("N")[..12];
        foreach (var index in new[] { _lucene, PostgresIndex })
        {
            await new IncrementalIndexer(index).IndexAsync(Guid.NewGuid(), collection, Corpus, CancellationToken.None);
        }

        return collection;
    }
}
