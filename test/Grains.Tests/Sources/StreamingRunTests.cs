using Microsoft.Extensions.Logging.Abstractions;
using OrleansTasks.Indexing;
using OrleansTasks.Storage;
using OrleansTasks.Tasks;
using OrleansTasks.Tasks.Sources;
using OrleansTasks.Testing.Faults;

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

    private TasksOptions Options => new() { SourceRoots = [_files.Root], SourceSliceBudget = TimeSpan.FromMilliseconds(5) };

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
    public async Task A_source_task_sizes_its_slices_to_the_source_slice_budget_and_a_task_of_stored_documents_to_the_slice_budget()
    {
        // Each write is paced 2 ms a document. A timer may fire up to one clock tick early (the runtime's timers read a
        // coarse clock: 4 ms a tick on a kernel of 250 Hz), so the first slice of 16 takes at least 28 ms: a 10 ms budget then holds
        // at most 5 documents, well under 10, and a 2 s budget far more than 16. (Paced 1 ms, an early timer let 11 through.)
        using var faults = new FaultPlan();
        faults.PaceIndex("docs", TimeSpan.FromMilliseconds(2));
        var index = new IncrementalIndexer(new FaultyDocumentIndex(_index, faults));
        var options = new TasksOptions { SourceRoots = [_files.Root], SliceBudget = TimeSpan.FromMilliseconds(10), SourceSliceBudget = TimeSpan.FromSeconds(2) };
        using var sourceRun = new TaskRun(_taskId, new TaskChunkStores(_storage), index, options, NullLogger.Instance);
        var sourceTask = Accept();
        await CountAsync(sourceRun, sourceTask);
        System.Collections.Immutable.ImmutableArray<IndexDocument> documents = [.. Enumerable.Range(0, 100).Select(i => new IndexDocument($"stored{i}", null, $"stored word{i}"))];
        using var storedRun = new TaskRun(Guid.NewGuid(), new TaskChunkStores(_storage), index, options, NullLogger.Instance);
        var storedTask = TaskTransitions.Accept(new StartIndexTask("alice", "docs", documents), await storedRun.Documents.StoreAsync(documents), null, documents.Length, [], Now);

        var sourceSlices = await SliceSizesAsync(sourceRun, sourceTask, slices: 2);
        var storedSlices = await SliceSizesAsync(storedRun, storedTask, slices: 2);

        Assert.True(sourceSlices[1] > sourceSlices[0], $"source slices of {string.Join(", ", sourceSlices)} documents");
        Assert.True(storedSlices[1] <= 10, $"stored slices of {string.Join(", ", storedSlices)} documents");
    }

    private static async Task<List<int>> SliceSizesAsync(TaskRun run, IndexTaskState task, int slices)
    {
        var sizes = new List<int>();
        for (var i = 0; i < slices; i++)
        {
            var before = task.Current;
            Assert.Equal(SliceOutcome.Indexed, await run.IndexNextSliceAsync(task, Now, _ => { }));
            sizes.Add(task.Current - before);
        }

        return sizes;
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
