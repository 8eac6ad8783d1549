using System.Collections.Immutable;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Orleans.Storage;
using OrleansTasks.Indexing;
using OrleansTasks.Storage;
using OrleansTasks.Tasks;

namespace OrleansTasks.Grains.Tests;

/// <summary>A task's documents, slices and results over a storage in memory, without a grain.</summary>
public sealed class TaskRunTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-12-02T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void Documents_are_stored_in_chunks_of_at_most_500_documents_and_2_MiB_but_never_split_below_one_document()
    {
        var small = Documents(1200, chars: 10);
        var large = Documents(3, chars: 1_500_000);

        Assert.Equal([(0, 500), (500, 1000), (1000, 1200)], TaskDocuments.Chunks(small));
        Assert.Equal([(0, 1), (1, 2), (2, 3)], TaskDocuments.Chunks(large));
    }

    [Fact]
    public async Task A_run_indexes_every_document_once_in_slices_that_never_cross_a_chunk()
    {
        var storage = new MemoryGrainStorage();
        var taskId = Guid.NewGuid();
        var run = new TaskRun(taskId, new TaskChunkStores(storage), new IncrementalIndexer(new LuceneDocumentIndex()), new TasksOptions { SliceBudget = TimeSpan.FromMilliseconds(40) }, NullLogger.Instance);
        var documents = Documents(1200, chars: 20);
        var starts = await run.Documents.StoreAsync(documents);
        var task = TaskTransitions.Accept(new StartIndexTask("alice", "docs", documents), starts, null, documents.Length, [], Now);
        var counted = new List<TaskCounts>();

        while (task.Current < task.Total)
        {
            var before = task.Current;
            Assert.Equal(SliceOutcome.Indexed, await run.IndexNextSliceAsync(task, Now, counted.Add));
            Assert.Equal(starts.FindLastIndex(s => s <= before), starts.FindLastIndex(s => s < task.Current));
        }

        Assert.Equal(new TaskCounts(1200, 0, 0), task.Counts);
        Assert.Equal(1200, counted.Sum(c => c.Indexed));
        var page = await run.Results.PageAsync(task, 1190, 1000, null);
        Assert.Equal(["d1190", "d1191", "d1192", "d1193", "d1194", "d1195", "d1196", "d1197", "d1198", "d1199"], page.Items.Select(r => r.Id));
        Assert.Null(page.NextOffset);
    }

    [Fact]
    public void Up_to_100_documents_and_32_KiB_are_kept_in_the_tasks_state()
    {
        Assert.True(TaskDocuments.FitInline(Documents(100, chars: 300)));
        Assert.False(TaskDocuments.FitInline(Documents(101, chars: 1)));
        Assert.False(TaskDocuments.FitInline(Documents(2, chars: 17_000)));
    }

    [Fact]
    public async Task A_small_task_runs_from_its_state_and_keeps_its_results_there_without_a_chunk()
    {
        var storage = new MemoryGrainStorage();
        var run = new TaskRun(Guid.NewGuid(), new TaskChunkStores(storage), new IncrementalIndexer(new LuceneDocumentIndex()), new TasksOptions { SliceBudget = TimeSpan.FromMilliseconds(40) }, NullLogger.Instance);
        var documents = Documents(40, chars: 20);
        var task = TaskTransitions.Accept(new StartIndexTask("alice", "docs", documents), [], documents, documents.Length, [], Now);

        while (task.Current < task.Total)
        {
            Assert.Equal(SliceOutcome.Indexed, await run.IndexNextSliceAsync(task, Now, _ => { }));
        }

        var preview = await run.Results.PreviewAsync(task);
        TaskTransitions.Complete(task, preview, Now);
        var page = await run.Results.PageAsync(task, 35, 10, null);

        Assert.Equal(0, storage.Count);
        Assert.Equal(0, task.ResultChunkCount);
        Assert.Equal(new TaskCounts(40, 0, 0), task.Counts);
        Assert.Equal(["d35", "d36", "d37", "d38", "d39"], page.Items.Select(r => r.Id));
        Assert.Equal((40, false), (preview.Details.Length, preview.Truncated));
        Assert.Null(task.InlineDocuments);
        Assert.Equal(40, task.InlineResults!.Count);
    }

    [Fact]
    public async Task A_missing_document_chunk_ends_the_run_with_its_error_and_counts_nothing()
    {
        var run = new TaskRun(Guid.NewGuid(), new TaskChunkStores(new MemoryGrainStorage()), new IncrementalIndexer(new LuceneDocumentIndex()), new TasksOptions { SliceBudget = TimeSpan.FromMilliseconds(40) }, NullLogger.Instance);
        var task = TaskTransitions.Accept(new StartIndexTask("alice", "docs", Documents(3, chars: 5)), [0], null, 3, [], Now);

        var outcome = await run.IndexNextSliceAsync(task, Now, _ => Assert.Fail("nothing was indexed"));

        Assert.Equal(TaskErrors.DocumentsMissing, outcome.Error!.Code);
        Assert.Equal(0, task.Current);
    }

    [Fact]
    public async Task An_index_that_refuses_a_single_document_ends_the_run_naming_it_and_a_transient_failure_is_returned_for_a_retry()
    {
        var storage = new MemoryGrainStorage();
        var index = new RefusingIndex();
        var run = new TaskRun(Guid.NewGuid(), new TaskChunkStores(storage), new IncrementalIndexer(index), new TasksOptions { SliceBudget = TimeSpan.FromMilliseconds(40) }, NullLogger.Instance);
        var documents = Documents(1, chars: 5);
        var task = TaskTransitions.Accept(new StartIndexTask("alice", "docs", documents), await run.Documents.StoreAsync(documents), null, 1, [], Now);

        index.Failure = new TimeoutException("the database is slow");
        var transient = await run.IndexNextSliceAsync(task, Now, _ => Assert.Fail("nothing was indexed"));
        index.Failure = new InvalidOperationException("the index refused the write");
        var permanent = await run.IndexNextSliceAsync(task, Now, _ => Assert.Fail("nothing was indexed"));

        Assert.IsType<TimeoutException>(transient.TransientFailure);
        Assert.Null(transient.Error);
        Assert.Equal((TaskErrors.IndexUnavailable, "d0"), (permanent.Error!.Code, permanent.Error.DocumentId));
        Assert.Equal(0, task.Current);
    }

    [Fact]
    public async Task An_index_whose_database_is_down_throws_so_that_the_task_waits_for_the_database_without_spending_an_attempt()
    {
        // A real index against a port where no database listens: the connection is refused.
        await using var nowhere = NpgsqlDataSource.Create("Host=127.0.0.1;Port=1;Timeout=2");
        var index = new PostgresDocumentIndex(nowhere, NullLogger<PostgresDocumentIndex>.Instance);
        var run = new TaskRun(Guid.NewGuid(), new TaskChunkStores(new MemoryGrainStorage()), new IncrementalIndexer(index), new TasksOptions { SliceBudget = TimeSpan.FromMilliseconds(40) }, NullLogger.Instance);
        var documents = Documents(3, chars: 5);
        var task = TaskTransitions.Accept(new StartIndexTask("alice", "docs", documents), [], documents, documents.Length, [], Now);

        var outage = await Assert.ThrowsAsync<NpgsqlException>(() => run.IndexNextSliceAsync(task, Now, _ => Assert.Fail("nothing was indexed")));

        Assert.True(TransientFaults.IsDatabaseOutage(outage));
        Assert.Equal((0, 0, null), (task.Current, task.FailedAttempts, task.NextAttemptAt));
    }

    [Fact]
    public async Task A_slice_indexed_at_its_third_attempt_records_three_attempts_on_each_result_and_clears_the_failed_attempts()
    {
        var run = new TaskRun(Guid.NewGuid(), new TaskChunkStores(new MemoryGrainStorage()), new IncrementalIndexer(new LuceneDocumentIndex()), new TasksOptions { SliceBudget = TimeSpan.FromMilliseconds(40) }, NullLogger.Instance);
        var documents = Documents(3, chars: 5);
        var task = TaskTransitions.Accept(new StartIndexTask("alice", "docs", documents), [], documents, documents.Length, [], Now);
        task.FailedAttempts = 2;
        task.NextAttemptAt = Now;

        Assert.Equal(SliceOutcome.Indexed, await run.IndexNextSliceAsync(task, Now, _ => { }));

        Assert.All(task.InlineResults!, result => Assert.Equal(3, result.Attempts));
        Assert.Equal((0, null), (task.FailedAttempts, task.NextAttemptAt));
        Assert.Equal(1, TaskSnapshots.Of(Guid.NewGuid(), task).Attempt);
    }

    [Fact]
    public async Task A_chunk_written_again_by_a_redone_slice_replaces_the_one_stored()
    {
        var storage = new MemoryGrainStorage();
        var taskId = Guid.NewGuid();
        await new TaskResults(new TaskChunkStores(storage).Results, taskId).WriteAsync(0, new ResultChunk(0, [new DocumentResult("a", DocumentOutcome.Failed, "down")]));

        var resumed = new TaskResults(new TaskChunkStores(storage).Results, taskId);
        await resumed.WriteAsync(0, new ResultChunk(0, [new DocumentResult("a", DocumentOutcome.Indexed)]));
        var read = await new TaskResults(new TaskChunkStores(storage).Results, taskId).PageAsync(new IndexTaskState { ResultChunkCount = 1 }, 0, 10, null);

        Assert.Equal(DocumentOutcome.Indexed, Assert.Single(read.Items).Outcome);
    }

    [Fact]
    public async Task A_stale_activations_chunk_never_replaces_a_newer_activations_and_is_refused_as_stale()
    {
        // A silo paused past its death comes back and writes the slice it was indexing, under the
        // seq reservation it last stored: below the one the task's new activation raised it to.
        var storage = new MemoryGrainStorage();
        var taskId = Guid.NewGuid();
        var newer = new ResultChunk(0, [new DocumentResult("a", DocumentOutcome.Indexed)], Fence: 2000);
        await new TaskResults(new TaskChunkStores(storage).Results, taskId).WriteAsync(0, newer);

        var zombie = new TaskResults(new TaskChunkStores(storage).Results, taskId);
        await Assert.ThrowsAsync<InconsistentStateException>(
            () => zombie.WriteAsync(0, new ResultChunk(0, [new DocumentResult("b", DocumentOutcome.Failed, "stale")], Fence: 1000)));
        var read = await new TaskResults(new TaskChunkStores(storage).Results, taskId).PageAsync(new IndexTaskState { ResultChunkCount = 1 }, 0, 10, null);

        Assert.Equal("a", Assert.Single(read.Items).Id);
    }

    [Fact]
    public async Task Result_pages_filter_by_outcome_and_the_preview_puts_failures_first()
    {
        var results = new TaskResults(new TaskChunkStores(new MemoryGrainStorage()).Results, Guid.NewGuid());
        await results.WriteAsync(0, new ResultChunk(0, [.. Enumerable.Range(0, 150).Select(i => new DocumentResult($"ok{i}", DocumentOutcome.Indexed))]));
        await results.WriteAsync(1, new ResultChunk(150, [new DocumentResult("bad", DocumentOutcome.Failed, "empty")]));

        var twoChunks = new IndexTaskState { ResultChunkCount = 2, Current = 151, Indexed = 150, Failed = 1 };
        var failed = await results.PageAsync(twoChunks, 0, 10, DocumentOutcome.Failed);
        var first = await results.PageAsync(twoChunks, 0, 50, null);
        var preview = await results.PreviewAsync(twoChunks);

        Assert.Equal(["bad"], failed.Items.Select(r => r.Id));
        Assert.Equal(50, first.NextOffset);
        Assert.Equal("bad", preview.Details[0].Id);
        Assert.Equal(TaskResultPreview.MaxDetails, preview.Details.Length);
        Assert.True(preview.Truncated);
        await Assert.ThrowsAsync<InvalidTaskRequestException>(() => results.PageAsync(twoChunks, 0, 1001, null));
    }

    private static ImmutableArray<IndexDocument> Documents(int count, int chars) =>
        [.. Enumerable.Range(0, count).Select(i => new IndexDocument($"d{i}", $"Title {i}", $"word{i} " + new string('x', chars)))];

    private sealed class RefusingIndex : IDocumentIndex
    {
        public Exception? Failure { get; set; }

        public Task<IReadOnlyList<IndexWrite>> UpsertAsync(string collection, Guid taskId, IReadOnlyList<HashedDocument> documents, CancellationToken cancellationToken) =>
            throw Failure!;

        public Task<ImmutableArray<SearchHit>> SearchAsync(string collection, Search.SearchQuery query, int limit, CancellationToken cancellationToken) =>
            Task.FromResult(ImmutableArray<SearchHit>.Empty);

        public Task<long> CountWritesAsync(string collection, CancellationToken cancellationToken) => Task.FromResult(0L);

        public Task RecordSeenAsync(Guid taskId, IReadOnlyList<string> ids, CancellationToken cancellationToken) => throw Failure!;

        public Task<UnseenRemoval> DeleteUnseenAsync(string collection, Guid taskId, int batchSize, CancellationToken cancellationToken) => throw Failure!;

        public Task ForgetSeenAsync(Guid taskId, CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
