using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansTasks.Indexing;
using OrleansTasks.Storage;
using OrleansTasks.Tasks;
using OrleansTasks.Tasks.Sources;
using OrleansTasks.Testing.Faults;

namespace OrleansTasks.Grains.Tests.Sources;

/// <summary>
/// A streaming task's run, without a grain, over a source whose directory listings fail where the test says: the attempts a
/// failing directory uses, across the counting pass and the reading, and the attempt a step that succeeds leaves behind.
/// </summary>
public sealed class SourceListingRunTests : IDisposable
{
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-12-05T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
    private readonly SourceScratch _files = new();
    private readonly MemoryGrainStorage _storage = new();
    private readonly LuceneDocumentIndex _index = new();
    private readonly FaultPlan _faults = new();
    private readonly Guid _taskId = Guid.NewGuid();

    [Fact]
    public async Task A_directory_the_count_gave_up_on_at_its_last_attempt_is_given_up_at_once_by_the_reading_not_retried_again()
    {
        _files.Write("corpus/a.md", "alpha");
        _files.Write("corpus/sub/s.md", "sigma");
        _files.Write("corpus/z.md", "zed");
        var fault = _faults.FailSourceListings("sub", times: int.MaxValue);
        using var run = NewRun();
        var task = Accept(maxAttempts: 3);

        // The count's attempts 1 and 2 fail; its last gives the directory up, counting it as one entry.
        Assert.NotNull((await run.CountNextAsync(task, task.Source!)).TransientFailure);
        Failed(task, 1);
        Assert.NotNull((await run.CountNextAsync(task, task.Source!)).TransientFailure);
        Failed(task, 2);
        while (!task.Source!.Counted)
        {
            Assert.Equal(SliceOutcome.Counted, await run.CountNextAsync(task, task.Source));
        }

        Assert.Equal(["sub"], task.Source.CountGaveUp);
        Assert.Equal((3, 0), (task.Total, task.FailedAttempts));

        // The reading's first attempt lists it once more and, failing, gives it up at once.
        while (!task.AllRead)
        {
            Assert.Equal(SliceOutcome.Indexed, await run.IndexNextSliceAsync(task, Now, _ => { }));
        }

        Assert.Equal(new TaskCounts(2, 0, 1), task.Counts);
        Assert.Equal(4, fault.Injected);
        var failed = Assert.Single((await run.Results.PageAsync(task, 0, 10, DocumentOutcome.Failed)).Items);
        Assert.Equal(("sub", 1), (failed.Id, failed.Attempts));
    }

    [Fact]
    public async Task A_slice_that_succeeds_with_no_entries_after_a_failed_attempt_starts_the_next_step_at_attempt_1()
    {
        // The only thing in the source: a directory with no file, whose listing fails once, in the reading.
        Directory.CreateDirectory(Path.Combine(_files.Root, "corpus", "empty"));
        using var run = NewRun();
        var task = Accept(maxAttempts: 3);
        while (!task.Source!.Counted)
        {
            Assert.Null((await run.CountNextAsync(task, task.Source)).Error);
        }

        var fault = _faults.FailSourceListings("empty");
        Assert.NotNull((await run.IndexNextSliceAsync(task, Now, _ => { })).TransientFailure);
        TaskTransitions.AwaitRetry(task, 1, 3, Now.AddSeconds(1), "the source directory 'empty' could not be listed", Now);
        TaskTransitions.EndRetryWait(task, 3);

        Assert.Equal(SliceOutcome.Indexed, await run.IndexNextSliceAsync(task, Now, _ => { }));

        Assert.Equal(1, fault.Injected);
        Assert.True(task.AllRead);
        Assert.Equal(0, task.Current);
        Assert.Equal((0, null), (task.FailedAttempts, task.NextAttemptAt));
        Assert.Equal(1, TaskSnapshots.Of(_taskId, task).Attempt);
    }

    [Fact]
    public async Task A_listing_failing_for_now_is_logged_with_the_directory_as_its_Path_and_one_given_up_on_with_a_warning_naming_it()
    {
        _files.Write("corpus/a.md", "alpha");
        _files.Write("corpus/sub/s.md", "sigma");
        _faults.FailSourceListings("sub", times: int.MaxValue);
        var log = new CapturedLog();
        using var run = NewRun(log);
        var task = Accept(maxAttempts: 2);

        Assert.NotNull((await run.CountNextAsync(task, task.Source!)).TransientFailure);
        Failed(task, 1);
        while (!task.Source!.Counted)
        {
            Assert.Equal(SliceOutcome.Counted, await run.CountNextAsync(task, task.Source));
        }

        while (!task.AllRead)
        {
            Assert.Equal(SliceOutcome.Indexed, await run.IndexNextSliceAsync(task, Now, _ => { }));
        }

        var failedForNow = Assert.Single(log.Entries, e => e.EventId == 46);
        Assert.Equal(LogLevel.Warning, failedForNow.Level);
        Assert.Equal("sub", failedForNow.State["Path"]);
        Assert.Equal(1, failedForNow.State["Attempt"]);
        Assert.Equal("the source directory 'sub' could not be listed", failedForNow.State["Reason"]);
        var givenUp = Assert.Single(log.Entries, e => e.EventId == 47);
        Assert.Equal(LogLevel.Warning, givenUp.Level);
        Assert.Equal(_taskId, givenUp.State["TaskId"]);
        Assert.Equal("sub", givenUp.State["Path"]);
    }

    public void Dispose()
    {
        _faults.Dispose();
        _index.Dispose();
        _files.Dispose();
    }

    private TaskRun NewRun(ILogger? logger = null) => new(
        _taskId, new TaskChunkStores(_storage), new IncrementalIndexer(_index), new TasksOptions { SourceRoots = [_files.Root] }, logger ?? NullLogger.Instance,
        sourceFiles: new FaultySourceFiles(SourceFileReader.Instance, _faults));

    private IndexTaskState Accept(int maxAttempts)
    {
        var task = TaskTransitions.Accept(new StartIndexTask("alice", "docs", [], new DirectorySource(Path.Combine(_files.Root, "corpus"), "*")), [], null, 0, [], Now);
        task.Retry = new TaskRetryPolicy(maxAttempts, TimeSpan.FromSeconds(1), 2, TimeSpan.FromMinutes(1));
        TaskTransitions.StartProcessing(task, Now);
        return task;
    }

    /// <summary>What the grain stores after an attempt's transient failure, and once the wait is over.</summary>
    private static void Failed(IndexTaskState task, int attempt)
    {
        TaskTransitions.AwaitRetry(task, attempt, task.Retry!.MaxAttempts!.Value, Now.AddSeconds(1), "the source directory 'sub' could not be listed", Now);
        TaskTransitions.EndRetryWait(task, task.Retry.MaxAttempts.Value);
    }

    /// <summary>Every entry logged: its event id, level and structured values.</summary>
    private sealed class CapturedLog : ILogger
    {
        public List<(int EventId, LogLevel Level, Dictionary<string, object?> State)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((eventId.Id, logLevel, state is IEnumerable<KeyValuePair<string, object?>> values ? values.ToDictionary(v => v.Key, v => v.Value) : []));
    }
}
