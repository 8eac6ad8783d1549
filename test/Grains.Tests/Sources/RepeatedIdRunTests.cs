using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansTasks.Indexing;
using OrleansTasks.Search;
using OrleansTasks.Storage;
using OrleansTasks.Tasks;

namespace OrleansTasks.Grains.Tests.Sources;

/// <summary>
/// A JSON-lines source holding an id more than once, run to its end on either store (docs/protocol.md, "Documents"):
/// each document of the id is indexed in turn and the last stays; each line counts; <c>write_count</c> counts the changes.
/// </summary>
public sealed class RepeatedIdRunTests(PostgresSiloFixture fixture) : IClassFixture<PostgresSiloFixture>, IDisposable
{
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-12-06T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
    private readonly SourceScratch _files = new();
    private readonly LuceneDocumentIndex _embedded = new();

    [Theory]
    [InlineData("postgres")]
    [InlineData("embedded")]
    public async Task Each_document_of_a_repeated_id_is_indexed_in_turn_and_the_last_stays(string store)
    {
        IDocumentIndex index = store == "postgres" ? PostgresIndex() : _embedded;
        var collection = "r" + Guid.NewGuid().ToString("N")[..12];
        _files.Write("corpus/a.jsonl", """
            {"id":"x","content":"earlier draft about lighthouses"}
            {"id":"y","content":"a harbour"}
            {"id":"x","content":"final text about windmills"}
            {"id":"z","content":"the same twice"}
            {"id":"z","content":"the same twice"}
            """);
        using var run = new TaskRun(Guid.NewGuid(), new TaskChunkStores(new MemoryGrainStorage()), new IncrementalIndexer(index),
            new TasksOptions { SourceRoots = [_files.Root] }, NullLogger.Instance);
        var task = TaskTransitions.Accept(
            new StartIndexTask("alice", collection, [], new DirectorySource(Path.Combine(_files.Root, "corpus"), "*")), [], null, 0, [], Now);
        TaskTransitions.StartProcessing(task, Now);

        while (!task.Source!.Counted)
        {
            Assert.Null(await run.Source.CountNextAsync(task, task.Source));
        }

        while (!task.AllRead)
        {
            Assert.Equal(SliceOutcome.Indexed, await run.IndexNextSliceAsync(task, Now, _ => { }));
        }

        Assert.Equal(new TaskCounts(5, 0, 0), task.Counts);
        Assert.Equal(4, await index.CountWritesAsync(collection, CancellationToken.None));
        Assert.Equal(["x"], (await index.SearchAsync(collection, SearchQueryParser.Parse("windmills"), 10, CancellationToken.None)).Select(hit => hit.Id));
        Assert.Empty(await index.SearchAsync(collection, SearchQueryParser.Parse("lighthouses"), 10, CancellationToken.None));
    }

    private IDocumentIndex PostgresIndex()
    {
        fixture.Require();
        return fixture.Silo.Services.GetRequiredService<IDocumentIndex>();
    }

    public void Dispose()
    {
        _embedded.Dispose();
        _files.Dispose();
    }
}
