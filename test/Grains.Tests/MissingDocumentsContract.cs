using OrleansTasks.Indexing;
using OrleansTasks.Search;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// What both document indexes do for <c>delete_missing</c>: a pass's recorded ids keep their documents,
/// the rest of the collection goes once, and a repeated removal (a run resumed after a crash) removes
/// nothing more and answers the first count.
/// </summary>
public abstract class MissingDocumentsContract
{
    protected abstract IDocumentIndex Index { get; }

    /// <summary>Skips (or fails) the test when the store is not there.</summary>
    protected virtual void Require()
    {
    }

    [Fact]
    public async Task Documents_the_pass_did_not_see_are_removed_once_and_a_repeat_after_a_crash_removes_nothing_more()
    {
        Require();
        var collection = "m" + Guid.NewGuid().ToString("N")[..12];
        var other = collection + "-other";
        var pass = Guid.NewGuid();
        await IndexAsync(collection, "a", "b", "c", "d");
        await IndexAsync(other, "b");

        await Index.RecordSeenAsync(pass, ["a", "c"], CancellationToken.None);
        await Index.RecordSeenAsync(pass, ["c", "c", "missing-from-the-index"], CancellationToken.None);
        var deleted = await Index.DeleteUnseenAsync(collection, pass, CancellationToken.None);
        var afterFirst = await IdsAsync(collection);
        await IndexAsync(collection, "written-after-the-removal");
        var repeated = await Index.DeleteUnseenAsync(collection, pass, CancellationToken.None);

        Assert.Equal(2, deleted);
        Assert.Equal(["a", "c"], afterFirst);
        Assert.Equal(2, repeated);
        Assert.Equal(["a", "c", "written-after-the-removal"], await IdsAsync(collection));
        Assert.Equal(["b"], await IdsAsync(other));
    }

    [Fact]
    public async Task A_forgotten_pass_starts_afresh()
    {
        Require();
        var collection = "m" + Guid.NewGuid().ToString("N")[..12];
        var pass = Guid.NewGuid();
        await IndexAsync(collection, "a", "b");
        await Index.RecordSeenAsync(pass, ["a", "b"], CancellationToken.None);
        var first = await Index.DeleteUnseenAsync(collection, pass, CancellationToken.None);

        await Index.ForgetSeenAsync(pass, CancellationToken.None);
        await Index.RecordSeenAsync(pass, ["b"], CancellationToken.None);
        var afresh = await Index.DeleteUnseenAsync(collection, pass, CancellationToken.None);

        Assert.Equal(0, first);
        Assert.Equal(1, afresh);
        Assert.Equal(["b"], await IdsAsync(collection));
    }

    private async Task IndexAsync(string collection, params string[] ids) =>
        await new IncrementalIndexer(Index).IndexAsync(
            Guid.NewGuid(), collection, [.. ids.Select(id => new IndexDocument(id, null, $"shared words of {id}"))], CancellationToken.None);

    private async Task<List<string>> IdsAsync(string collection) =>
        [.. (await Index.SearchAsync(collection, SearchQueryParser.Parse("shared"), 100, CancellationToken.None)).Select(hit => hit.Id).Order(StringComparer.Ordinal)];
}
