using Microsoft.Extensions.Logging.Abstractions;
using OrleansTasks.Indexing;
using OrleansTasks.Storage;
using OrleansTasks.Tasks;
using OrleansTasks.Tasks.Sources;

namespace OrleansTasks.Grains.Tests.Sources;

/// <summary>A streaming task's run over a source on disk and a storage in memory, without a grain: counted, read in slices, resumed.</summary>
public sealed class StreamingRunTests : IDisposable
{
    private const int Lines = 3000;
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-12-03T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
    private readonly SourceScratch _files = new();
    private readonly MemoryGrainStorage _storage = new();
    private readonly LuceneDocumentIndex _index = new();
    private readonly Guid _taskId = Guid.NewGuid();

    public StreamingRunTests()
    {
        _files.Write("corpus/a.jsonl", string.Join('\n', Enumerable.Range(0, Lines).Select(i => i == 1234 ? "{broken" : $$"""{"id":"doc{{i}}","title":"Doc {{i}}","content":"grain silo word{{i}}"}""")));
        _files.Write("corpus/readme.md", "about the corpus");
    }

    private TasksOptions Options => new() { SourceRoots = [_files.Root], SliceBudget = TimeSpan.FromMilliseconds(5) };

    private TaskRun NewActivation() => new(_taskId, new TaskChunkStores(_storage), new IncrementalIndexer(_index), Options, NullLogger.Instance);

    [Fact]
    public async Task A_source_is_counted_then_indexed_slice_by_slice_with_a_bad_line_failing_alone()
    {
        using var run = NewActivation();
        var task = Accept();

        await CountAsync(run, task);
        var counting = TaskSnapshots.Of(_taskId, task);
        await IndexToEndAsync(run, task, stopAt: int.MaxValue);
        TaskTransitions.Complete(task, await run.Results.PreviewAsync(task), Now);

        Assert.Equal(Lines + 1, counting.Total);
        Assert.Equal(new TaskCounts(Lines, 0, 1), task.Counts);
        Assert.Equal(Lines + 1, task.Total);
        Assert.Equal(100, TaskSnapshots.Of(_taskId, task).Progress);
        Assert.True(task.ResultChunkCount > 10, $"{task.ResultChunkCount} slices");
        var failed = await run.Results.PageAsync(task, 0, 10, DocumentOutcome.Failed);
        Assert.Equal("a.jsonl:1235", Assert.Single(failed.Items).Id);
        Assert.True(task.Result!.Details.Length <= TaskResultPreview.MaxDetails);
        Assert.Equal("a.jsonl:1235", task.Result.Details[0].Id);
        Assert.Equal(Lines, await _index.CountWritesAsync("docs", CancellationToken.None));
    }

    [Fact]
    public async Task A_run_resumed_from_a_checkpoint_goes_on_at_its_position_and_writes_every_document_once()
    {
        var task = Accept();
        TaskSource checkpointSource;
        (int Current, int Chunks, TaskCounts Counts) checkpoint;
        using (var first = NewActivation())
        {
            await CountAsync(first, task);
            await IndexToEndAsync(first, task, stopAt: 1000);
            checkpoint = (task.Current, task.ResultChunkCount, task.Counts);
            checkpointSource = Copy(task.Source!);

            // The activation goes on past its checkpoint, then dies: what it did after is redone.
            await IndexToEndAsync(first, task, stopAt: 2000);
        }

        (task.Current, task.ResultChunkCount, task.Counts, task.Source) = (checkpoint.Current, checkpoint.Chunks, checkpoint.Counts, checkpointSource);
        using var second = NewActivation();
        await IndexToEndAsync(second, task, stopAt: int.MaxValue);

        var ids = new List<string>();
        await foreach (var result in second.Results.AllAsync(task))
        {
            ids.Add(result.Id);
        }

        var expected = Enumerable.Range(0, Lines).Select(i => i == 1234 ? "a.jsonl:1235" : $"doc{i}").Append("readme.md");
        Assert.Equal(expected, ids);
        Assert.Equal(new TaskCounts(Lines, 0, 1), task.Counts);
        Assert.Equal(Lines, await _index.CountWritesAsync("docs", CancellationToken.None));
    }

    [Fact]
    public async Task A_source_over_the_document_limit_fails_while_counting()
    {
        using var run = new TaskRun(_taskId, new TaskChunkStores(_storage), new IncrementalIndexer(_index), new TasksOptions { SourceRoots = [_files.Root], MaxSourceDocuments = 100 }, NullLogger.Instance);
        var task = Accept();

        TaskError? error = null;
        while (error is null && !task.Source!.Counted)
        {
            error = await run.Source.CountNextAsync(task, task.Source);
        }

        Assert.Equal(SourceErrors.TooLargeCode, error?.Code);
    }

    public void Dispose()
    {
        _index.Dispose();
        _files.Dispose();
    }

    private IndexTaskState Accept()
    {
        var task = TaskTransitions.Accept(new StartIndexTask("alice", "docs", [], new DirectorySource(Path.Combine(_files.Root, "corpus"), "*")), [], null, 0, [], Now);
        TaskTransitions.StartProcessing(task, Now);
        Assert.Equal("Counting documents", task.Message);
        return task;
    }

    private static async Task CountAsync(TaskRun run, IndexTaskState task)
    {
        while (!task.Source!.Counted)
        {
            Assert.Equal(0, TaskSnapshots.Of(Guid.Empty, task).Total);
            Assert.Null(await run.Source.CountNextAsync(task, task.Source));
        }
    }

    private static async Task IndexToEndAsync(TaskRun run, IndexTaskState task, int stopAt)
    {
        while (!task.AllRead && task.Current < stopAt)
        {
            Assert.Equal(SliceOutcome.Indexed, await run.IndexNextSliceAsync(task, Now, _ => { }));
        }
    }

    private static TaskSource Copy(TaskSource source) => new()
    {
        Spec = source.Spec,
        Position = source.Position,
        Ended = source.Ended,
        Counted = source.Counted,
        CountedSoFar = source.CountedSoFar,
        CountPosition = source.CountPosition,
        DeleteMissing = source.DeleteMissing,
        Deleted = source.Deleted,
        DeleteSkipped = source.DeleteSkipped,
        RemovalDone = source.RemovalDone,
    };
}
