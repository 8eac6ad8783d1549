using OrleansTasks.Indexing;
using OrleansTasks.Search;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// The Lucene index finds a document's hash in the index itself, not in memory: unchanged documents are skipped
/// whether their entry was written before the lookups were last reopened or after, and what memory holds is only
/// what was written since.
/// </summary>
public sealed class LuceneDocumentEntriesTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("orleans-tasks-index-").FullName;

    [Fact]
    public async Task Documents_written_before_and_after_the_lookups_reopen_are_skipped_unchanged_and_a_changed_one_is_written()
    {
        // A day between reopenings: nothing reopens but what the test says.
        using var index = LuceneDocumentIndex.Open(_directory, TimeSpan.FromDays(1));
        var first = Guid.NewGuid();
        var documents = Documents(0, 500);
        await new IncrementalIndexer(index).IndexAsync(first, "c", documents, CancellationToken.None);
        Assert.Equal(500, index.RememberedEntries);

        // Read back while only remembered: the task's own write counts as its (a slice run again), another task's is unchanged.
        var again = await new IncrementalIndexer(index).IndexAsync(first, "c", documents.Take(10).ToList(), CancellationToken.None);
        var other = await new IncrementalIndexer(index).IndexAsync(Guid.NewGuid(), "c", documents.Take(10).ToList(), CancellationToken.None);
        Assert.All(again, result => Assert.Equal(DocumentOutcome.Indexed, result.Outcome));
        Assert.All(other, result => Assert.Equal(DocumentOutcome.Unchanged, result.Outcome));

        // After the reopening (a delete_missing pass that found nothing to delete reopens too), read from the index.
        var pass = Guid.NewGuid();
        await index.RecordSeenAsync(pass, [.. documents.Select(document => document.Id)], CancellationToken.None);
        Assert.Equal(new UnseenRemoval(0, Done: true), await index.DeleteUnseenAsync("c", pass, 1000, CancellationToken.None));
        Assert.Equal(0, index.RememberedEntries);
        var changed = documents[7] with { Content = "orleans grain changed" };
        var later = await new IncrementalIndexer(index).IndexAsync(Guid.NewGuid(), "c", [.. documents.Skip(5).Take(5), changed], CancellationToken.None);

        var firstAgain = await new IncrementalIndexer(index).IndexAsync(first, "c", documents.Skip(20).Take(3).ToList(), CancellationToken.None);

        Assert.Equal([.. Enumerable.Repeat(DocumentOutcome.Unchanged, 5), DocumentOutcome.Indexed], later.Select(result => result.Outcome));
        Assert.All(firstAgain, result => Assert.Equal(DocumentOutcome.Indexed, result.Outcome));
        Assert.Equal(501, await index.CountWritesAsync("c", CancellationToken.None));
        Assert.Equal("doc7", Assert.Single(await index.SearchAsync("c", SearchQueryParser.Parse("changed"), 10, CancellationToken.None)).Id);
    }

    [Fact]
    public async Task Memory_holds_only_the_entries_written_since_the_lookups_last_reopened()
    {
        using var index = LuceneDocumentIndex.Open(_directory, TimeSpan.Zero);

        for (var slice = 0; slice < 20; slice++)
        {
            await new IncrementalIndexer(index).IndexAsync(Guid.NewGuid(), "c", Documents(slice * 250, 250), CancellationToken.None);
            Assert.Equal(0, index.RememberedEntries);
        }

        var rerun = await new IncrementalIndexer(index).IndexAsync(Guid.NewGuid(), "c", Documents(0, 5_000), CancellationToken.None);
        Assert.All(rerun, result => Assert.Equal(DocumentOutcome.Unchanged, result.Outcome));
        Assert.Equal(5_000, await index.CountWritesAsync("c", CancellationToken.None));
    }

    [Fact]
    public async Task A_document_updated_twice_in_one_slice_counts_both_writes()
    {
        using var index = LuceneDocumentIndex.Open(_directory, TimeSpan.Zero);
        var task = Guid.NewGuid();
        var document = Documents(0, 1)[0];

        await new IncrementalIndexer(index).IndexAsync(task, "c", [document], CancellationToken.None);
        var results = await new IncrementalIndexer(index).IndexAsync(
            Guid.NewGuid(), "c", [document with { Content = "one" }, document with { Content = "two" }], CancellationToken.None);

        Assert.Equal([DocumentOutcome.Indexed, DocumentOutcome.Indexed], results.Select(result => result.Outcome));
        Assert.Equal(3, await index.CountWritesAsync("c", CancellationToken.None));
        Assert.Equal("doc0", Assert.Single(await index.SearchAsync("c", SearchQueryParser.Parse("two"), 10, CancellationToken.None)).Id);
        Assert.Empty(await index.SearchAsync("c", SearchQueryParser.Parse("one"), 10, CancellationToken.None));
    }

    [Fact]
    public async Task A_document_that_delete_missing_removed_is_written_again_when_it_comes_back()
    {
        using var index = LuceneDocumentIndex.Open(_directory, TimeSpan.FromDays(1));
        var documents = Documents(0, 2);
        await new IncrementalIndexer(index).IndexAsync(Guid.NewGuid(), "c", documents, CancellationToken.None);
        var pass = Guid.NewGuid();
        await index.RecordSeenAsync(pass, ["doc0"], CancellationToken.None);
        Assert.Equal(new UnseenRemoval(1, Done: true), await index.DeleteUnseenAsync("c", pass, 1000, CancellationToken.None));

        var back = await new IncrementalIndexer(index).IndexAsync(Guid.NewGuid(), "c", [documents[1]], CancellationToken.None);

        Assert.Equal(DocumentOutcome.Indexed, Assert.Single(back).Outcome);
        Assert.Equal("doc1", Assert.Single(await index.SearchAsync("c", SearchQueryParser.Parse("number1"), 10, CancellationToken.None)).Id);
    }

    [Fact]
    public async Task Writes_read_back_from_the_index_count_on_after_a_restart()
    {
        var document = Documents(0, 1)[0];
        using (var index = LuceneDocumentIndex.Open(_directory, TimeSpan.Zero))
        {
            await new IncrementalIndexer(index).IndexAsync(Guid.NewGuid(), "c", [document], CancellationToken.None);
            await new IncrementalIndexer(index).IndexAsync(Guid.NewGuid(), "c", [document with { Content = "changed once" }], CancellationToken.None);
        }

        using var reopened = LuceneDocumentIndex.Open(_directory, TimeSpan.Zero);
        Assert.Equal(2, await reopened.CountWritesAsync("c", CancellationToken.None));
        await new IncrementalIndexer(reopened).IndexAsync(Guid.NewGuid(), "c", [document with { Content = "changed twice" }], CancellationToken.None);
        Assert.Equal(3, await reopened.CountWritesAsync("c", CancellationToken.None));
    }

    [Fact]
    public async Task Documents_of_an_index_written_without_doc_values_are_read_from_their_stored_fields_also_once_merged_with_newer_ones()
    {
        var task = Guid.NewGuid();
        var old = Documents(0, 2);
        OlderBuild.Write(_directory, "c", task, old);
        using (var index = LuceneDocumentIndex.Open(_directory, TimeSpan.Zero))
        {
            Assert.Equal(2, await index.CountWritesAsync("c", CancellationToken.None));
            var unmerged = await new IncrementalIndexer(index).IndexAsync(Guid.NewGuid(), "c", [old[0]], CancellationToken.None);
            Assert.Equal(DocumentOutcome.Unchanged, Assert.Single(unmerged).Outcome);
            await new IncrementalIndexer(index).IndexAsync(Guid.NewGuid(), "c", Documents(2, 1), CancellationToken.None);
        }

        OlderBuild.MergeAll(_directory);
        using var merged = LuceneDocumentIndex.Open(_directory, TimeSpan.Zero);
        var rerun = await new IncrementalIndexer(merged).IndexAsync(Guid.NewGuid(), "c", Documents(0, 3), CancellationToken.None);
        var own = await new IncrementalIndexer(merged).IndexAsync(task, "c", [old[1]], CancellationToken.None);

        Assert.All(rerun, result => Assert.Equal(DocumentOutcome.Unchanged, result.Outcome));
        Assert.Equal(DocumentOutcome.Indexed, Assert.Single(own).Outcome);
        Assert.Equal(3, await merged.CountWritesAsync("c", CancellationToken.None));
    }

    private static List<IndexDocument> Documents(int from, int count) =>
        [.. Enumerable.Range(from, count).Select(i => new IndexDocument($"doc{i}", $"Title {i}", $"orleans grain number{i}"))];

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
