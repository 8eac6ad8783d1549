using OrleansTasks.Indexing;
using OrleansTasks.Search;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// What both document indexes do for <c>delete_missing</c>: a pass's recorded ids keep their documents,
/// the rest of the collection goes in steps that each store their cursor and count with their
/// deletions, so that steps repeated after a crash, or run twice at once by a stale activation,
/// remove nothing twice and count each removal once; a finished removal removes nothing more.
/// </summary>
public abstract class MissingDocumentsContract
{
    protected abstract IDocumentIndex Index { get; }

    /// <summary>Skips (or fails) the test when the store is not there.</summary>
    protected virtual void Require()
    {
    }

    [Fact]
    public async Task Documents_the_pass_did_not_see_are_removed_in_steps_once_and_a_finished_removal_removes_nothing_more()
    {
        Require();
        var collection = NewCollection();
        var other = collection + "-other";
        var pass = Guid.NewGuid();
        await IndexAsync(collection, "a", "b", "c", "d", "e", "f", "g");
        await IndexAsync(other, "b");

        await Index.RecordSeenAsync(pass, ["a", "c"], CancellationToken.None);
        await Index.RecordSeenAsync(pass, ["c", "c", "g", "missing-from-the-index"], CancellationToken.None);
        var steps = await RemoveToEndAsync(collection, pass, batchSize: 2);
        var afterRemoval = await IdsAsync(collection);
        await IndexAsync(collection, "written-after-the-removal");
        var repeated = await Index.DeleteUnseenAsync(collection, pass, 2, CancellationToken.None);

        Assert.Equal(4, steps[^1].Deleted);
        Assert.Equal(steps.Select(step => step.Deleted).Order(), steps.Select(step => step.Deleted));
        Assert.Equal(["a", "c", "g"], afterRemoval);
        Assert.Equal(new UnseenRemoval(4, Done: true), repeated);
        Assert.Equal(["a", "c", "g", "written-after-the-removal"], await IdsAsync(collection));
        Assert.Equal(["b"], await IdsAsync(other));
    }

    [Fact]
    public async Task Two_removals_of_one_pass_at_once_remove_and_count_each_document_once()
    {
        Require();
        var collection = NewCollection();
        var pass = Guid.NewGuid();
        var ids = Enumerable.Range(0, 60).Select(i => $"doc{i:D3}").ToArray();
        await IndexAsync(collection, ids);
        await Index.RecordSeenAsync(pass, [.. ids.Where((_, i) => i % 3 == 0)], CancellationToken.None);

        // A stale activation and the live one, or a step repeated after a crash: each step reads the stored cursor.
        var both = await Task.WhenAll(RemoveToEndAsync(collection, pass, batchSize: 7), RemoveToEndAsync(collection, pass, batchSize: 7));

        Assert.Equal(40, both[0][^1].Deleted);
        Assert.Equal(40, both[1][^1].Deleted);
        Assert.Equal([.. ids.Where((_, i) => i % 3 == 0)], await IdsAsync(collection));
    }

    [Fact]
    public async Task A_forgotten_pass_starts_afresh()
    {
        Require();
        var collection = NewCollection();
        var pass = Guid.NewGuid();
        await IndexAsync(collection, "a", "b");
        await Index.RecordSeenAsync(pass, ["a", "b"], CancellationToken.None);
        var first = await RemoveToEndAsync(collection, pass, batchSize: 10);

        await Index.ForgetSeenAsync(pass, CancellationToken.None);
        await Index.RecordSeenAsync(pass, ["b"], CancellationToken.None);
        var afresh = await RemoveToEndAsync(collection, pass, batchSize: 10);

        Assert.Equal(0, first[^1].Deleted);
        Assert.Equal(1, afresh[^1].Deleted);
        Assert.Equal(["b"], await IdsAsync(collection));
    }

    [Fact]
    public async Task A_step_of_a_pass_that_recorded_nothing_or_was_forgotten_removes_nothing()
    {
        Require();
        var collection = NewCollection();
        var forgotten = Guid.NewGuid();
        await IndexAsync(collection, "a", "b", "c");
        await Index.RecordSeenAsync(forgotten, ["a"], CancellationToken.None);
        await Index.ForgetSeenAsync(forgotten, CancellationToken.None);

        // A stale activation's step after its task ended, and a pass that never recorded.
        var stale = await Index.DeleteUnseenAsync(collection, forgotten, 10, CancellationToken.None);
        var never = await Index.DeleteUnseenAsync(collection, Guid.NewGuid(), 10, CancellationToken.None);

        Assert.Equal(new UnseenRemoval(0, Done: true), stale);
        Assert.Equal(new UnseenRemoval(0, Done: true), never);
        Assert.Equal(["a", "b", "c"], await IdsAsync(collection));
    }

    [Fact]
    public async Task A_pass_that_recorded_no_id_removes_the_whole_collection()
    {
        Require();
        var collection = NewCollection();
        var pass = Guid.NewGuid();
        await IndexAsync(collection, "a", "b");
        await Index.RecordSeenAsync(pass, [], CancellationToken.None);

        var removal = await RemoveToEndAsync(collection, pass, batchSize: 10);

        Assert.Equal(2, removal[^1].Deleted);
        Assert.Empty(await IdsAsync(collection));
    }

    protected static string NewCollection() => "m" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>Steps until the removal is over; every step's answer, in order.</summary>
    protected async Task<List<UnseenRemoval>> RemoveToEndAsync(string collection, Guid pass, int batchSize)
    {
        var steps = new List<UnseenRemoval>();
        do
        {
            steps.Add(await Index.DeleteUnseenAsync(collection, pass, batchSize, CancellationToken.None));
            Assert.True(steps.Count < 1_000, "the removal ends");
        }
        while (!steps[^1].Done);

        return steps;
    }

    protected async Task IndexAsync(string collection, params string[] ids) =>
        await new IncrementalIndexer(Index).IndexAsync(
            Guid.NewGuid(), collection, [.. ids.Select(id => new IndexDocument(id, null, $"shared words of {id}"))], CancellationToken.None);

    protected async Task<List<string>> IdsAsync(string collection) =>
        [.. (await Index.SearchAsync(collection, SearchQueryParser.Parse("shared"), 1000, CancellationToken.None)).Select(hit => hit.Id).Order(StringComparer.Ordinal)];
}
