using OrleansTasks.Indexing;
using OrleansTasks.Search;

namespace OrleansTasks.Grains.Tests;

/// <summary>Embedded mode's Lucene index in a directory: what it held is searched, counted and skipped as unchanged after it is reopened.</summary>
public sealed class LuceneOnDiskTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("orleans-tasks-index-").FullName;

    [Fact]
    public async Task A_reopened_index_finds_its_documents_counts_their_writes_and_skips_them_unchanged()
    {
        var documents = Enumerable.Range(0, 300).Select(i => new IndexDocument($"doc{i}", $"Title {i}", $"orleans grain number{i}")).ToList();
        var firstTask = Guid.NewGuid();
        using (var index = LuceneDocumentIndex.Open(_directory))
        {
            await new IncrementalIndexer(index).IndexAsync(firstTask, "disk", documents, CancellationToken.None);
            await new IncrementalIndexer(index).IndexAsync(firstTask, "disk", [documents[0] with { Content = "orleans grain changed" }], CancellationToken.None);
            await new IncrementalIndexer(index).IndexAsync(firstTask, "other", documents.Take(2).ToList(), CancellationToken.None);
        }

        using var reopened = LuceneDocumentIndex.Open(_directory);
        var hits = await reopened.SearchAsync("disk", SearchQueryParser.Parse("number42"), 10, CancellationToken.None);
        var changed = await reopened.SearchAsync("disk", SearchQueryParser.Parse("changed"), 10, CancellationToken.None);
        var writes = await reopened.CountWritesAsync("disk", CancellationToken.None);
        var again = await new IncrementalIndexer(reopened).IndexAsync(Guid.NewGuid(), "disk", documents.Skip(1).ToList(), CancellationToken.None);

        Assert.Equal("doc42", Assert.Single(hits).Id);
        Assert.Equal("doc0", Assert.Single(changed).Id);
        Assert.Equal(301, writes);
        Assert.Equal(2, await reopened.CountWritesAsync("other", CancellationToken.None));
        Assert.All(again, result => Assert.Equal(DocumentOutcome.Unchanged, result.Outcome));
    }

    [Fact]
    public void A_relative_index_directory_stops_the_start_with_one_line()
    {
        var refused = Assert.Throws<Hosting.StartupException>(() => new Tasks.TasksOptions { IndexDirectory = "data/index" }.CheckAtStart());

        Assert.Equal("Tasks:IndexDirectory: 'data/index' is not an absolute path; the index directory must be absolute.", refused.Message);
        new Tasks.TasksOptions { IndexDirectory = _directory }.CheckAtStart();
    }

    [Fact]
    public async Task A_delete_missing_removal_is_committed_at_once_so_a_restart_cannot_bring_documents_back()
    {
        var pass = Guid.NewGuid();
        using var index = LuceneDocumentIndex.Open(_directory);
        await new IncrementalIndexer(index).IndexAsync(
            Guid.NewGuid(), "disk", [.. Enumerable.Range(0, 5).Select(i => new IndexDocument($"doc{i}", null, $"orleans grain number{i}"))], CancellationToken.None);
        await index.RecordSeenAsync(pass, ["doc0", "doc2", "doc4"], CancellationToken.None);

        var removal = await index.DeleteUnseenAsync("disk", pass, 1000, CancellationToken.None);

        // What a process starting now would read: the last commit on disk, the open writer aside.
        using var directory = Lucene.Net.Store.FSDirectory.Open(_directory);
        using var committed = Lucene.Net.Index.DirectoryReader.Open(directory);
        Assert.Equal(new UnseenRemoval(2, Done: true), removal);
        Assert.Equal(3, committed.NumDocs);
    }

    [Fact]
    public void An_index_directory_that_cannot_hold_the_index_stops_the_start_with_one_line_at_once()
    {
        var file = Path.Combine(_directory, "a-file");
        File.WriteAllText(file, "not a directory");
        var held = Path.Combine(_directory, "held");
        using var holder = LuceneDocumentIndex.Open(held);

        var onFile = Assert.Throws<Hosting.StartupException>(() => EmbeddedIndexHosting.Open(file));
        var locked = Assert.Throws<Hosting.StartupException>(() => EmbeddedIndexHosting.Open(held));

        Assert.StartsWith($"Tasks:IndexDirectory: '{file}' cannot hold the document index: ", onFile.Message, StringComparison.Ordinal);
        Assert.StartsWith($"Tasks:IndexDirectory: '{held}' cannot hold the document index: ", locked.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", onFile.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
