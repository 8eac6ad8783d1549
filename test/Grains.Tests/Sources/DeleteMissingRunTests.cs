using Microsoft.Extensions.Logging.Abstractions;
using OrleansTasks.Indexing;
using OrleansTasks.Search;
using OrleansTasks.Storage;
using OrleansTasks.Tasks;

namespace OrleansTasks.Grains.Tests.Sources;

/// <summary>
/// <c>delete_missing</c> in a streaming task's run, without a grain: a second pass over a directory
/// that lost a file and a JSON line removes their documents at its end, once, and nothing it could
/// not read; a pass that has not reached the end removes nothing.
/// </summary>
public sealed class DeleteMissingRunTests : IDisposable
{
    private const int MaxDocumentBytes = 200;
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-12-03T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
    private readonly SourceScratch _files = new();
    private readonly MemoryGrainStorage _storage = new();
    private readonly LuceneDocumentIndex _index = new();

    public DeleteMissingRunTests()
    {
        for (var i = 0; i < 40; i++)
        {
            _files.Write($"corpus/file{i:D2}.md", $"shared words of file {i}");
        }

        _files.Write("corpus/lines.jsonl", string.Join('\n', Enumerable.Range(0, 5).Select(i => $$"""{"id":"line{{i}}","content":"shared words of line {{i}}"}""")));
    }

    private TasksOptions Options => new() { SourceRoots = [_files.Root], SliceBudget = TimeSpan.FromMilliseconds(1), MaxDocumentBytes = MaxDocumentBytes };

    [Fact]
    public async Task A_full_pass_removes_what_the_source_lost_once_keeping_what_it_could_not_read()
    {
        await RunToEndAsync(Accept(deleteMissing: false));
        File.Delete(Path.Combine(_files.Root, "corpus", "file07.md"));
        _files.Write("corpus/lines.jsonl", string.Join('\n', Enumerable.Range(0, 4).Select(i => $$"""{"id":"line{{i}}","content":"shared words of line {{i}}"}""")));
        _files.Write("corpus/file03.md", new string('x', MaxDocumentBytes + 1));
        _files.Write("corpus/file99.md", "shared words of a new file");

        var second = Guid.NewGuid();
        var task = Accept(deleteMissing: true);
        using (var run = NewRun(second))
        {
            await CountAsync(run, task);
            await IndexAsync(run, task, stopAt: 10);
            await run.Missing.DeleteIfDueAsync(task.Collection, task.Source!);
            Assert.Null(task.Source!.Deleted);
            Assert.Equal(45, (await IdsAsync()).Count);
            await IndexAsync(run, task, stopAt: int.MaxValue);
            await run.Missing.DeleteIfDueAsync(task.Collection, task.Source!);
        }

        var afterDeletion = await IdsAsync();
        var deleted = task.Source!.Deleted;

        // The activation dies before its state with the count is stored: the next one removes again.
        task.Source.Deleted = null;
        using (var resumed = NewRun(second))
        {
            await resumed.Missing.DeleteIfDueAsync(task.Collection, task.Source);
        }

        Assert.Equal(2, deleted);
        Assert.DoesNotContain("file07.md", afterDeletion);
        Assert.DoesNotContain("line4", afterDeletion);
        Assert.Contains("file03.md", afterDeletion);
        Assert.Contains("file99.md", afterDeletion);
        Assert.Equal(44, afterDeletion.Count);
        Assert.Equal(2, task.Source.Deleted);
        Assert.Equal(afterDeletion, await IdsAsync());
        Assert.Equal(1, task.Counts.Failed);
        var snapshot = TaskSnapshots.Of(second, task);
        Assert.True(snapshot.DeleteMissing);
        Assert.Equal(2, snapshot.Deleted);
    }

    public void Dispose()
    {
        _index.Dispose();
        _files.Dispose();
    }

    private TaskRun NewRun(Guid taskId) => new(taskId, new TaskChunkStores(_storage), new IncrementalIndexer(_index), Options, NullLogger.Instance);

    private IndexTaskState Accept(bool deleteMissing)
    {
        var task = TaskTransitions.Accept(
            new StartIndexTask("alice", "docs", [], new DirectorySource(Path.Combine(_files.Root, "corpus"), "*")) { DeleteMissing = deleteMissing }, [], null, 0, [], Now);
        TaskTransitions.StartProcessing(task, Now);
        return task;
    }

    private async Task RunToEndAsync(IndexTaskState task)
    {
        using var run = NewRun(Guid.NewGuid());
        await CountAsync(run, task);
        await IndexAsync(run, task, stopAt: int.MaxValue);
    }

    private static async Task CountAsync(TaskRun run, IndexTaskState task)
    {
        while (!task.Source!.Counted)
        {
            Assert.Null(await run.Source.CountNextAsync(task, task.Source));
        }
    }

    private static async Task IndexAsync(TaskRun run, IndexTaskState task, int stopAt)
    {
        while (!task.AllRead && task.Current < stopAt)
        {
            Assert.Equal(SliceOutcome.Indexed, await run.IndexNextSliceAsync(task, Now, _ => { }));
        }
    }

    private async Task<List<string>> IdsAsync() =>
        [.. (await _index.SearchAsync("docs", SearchQueryParser.Parse("shared"), 1000, CancellationToken.None)).Select(hit => hit.Id).Order(StringComparer.Ordinal)];
}
