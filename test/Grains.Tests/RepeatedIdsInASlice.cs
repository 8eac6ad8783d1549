using OrleansTasks.Indexing;
using OrleansTasks.Search;

namespace OrleansTasks.Grains.Tests;

/// <summary>What both stores must do with a slice that holds an id twice, as a JSON-lines dump may.</summary>
public static class RepeatedIdsInASlice
{
    /// <summary>
    /// A slice with <c>x</c> twice: <c>x</c> is written once, with its later document; every entry keeps its
    /// place with the id's outcome; the same slice again writes nothing.
    /// </summary>
    public static async Task AssertTheLaterDocumentIsWrittenOnceAsync(IDocumentIndex index, string collection)
    {
        var indexer = new IncrementalIndexer(index);
        IndexDocument[] slice = [new("x", null, "earlier draft about lighthouses"), new("y", null, "a harbour"), new("x", null, "final text about windmills")];

        var first = await indexer.IndexAsync(Guid.NewGuid(), collection, slice, CancellationToken.None);
        var again = await indexer.IndexAsync(Guid.NewGuid(), collection, slice, CancellationToken.None);

        Assert.Equal(["x", "y", "x"], first.Select(r => r.Id));
        Assert.All(first, r => Assert.Equal(DocumentOutcome.Indexed, r.Outcome));
        Assert.All(again, r => Assert.Equal(DocumentOutcome.Unchanged, r.Outcome));
        Assert.Equal(2, await index.CountWritesAsync(collection, CancellationToken.None));
        Assert.Equal(["x"], (await index.SearchAsync(collection, SearchQueryParser.Parse("windmills"), 10, CancellationToken.None)).Select(h => h.Id));
        Assert.Empty(await index.SearchAsync(collection, SearchQueryParser.Parse("lighthouses"), 10, CancellationToken.None));
    }
}
