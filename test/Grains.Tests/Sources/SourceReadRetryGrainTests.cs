namespace OrleansTasks.Grains.Tests.Sources;

/// <summary>
/// A directory source's file reads failing on a silo where the test says: an I/O error that may pass is retried by the
/// task's retry policy as a transient failure of the index is, to success or, at the last attempt, to that file failing
/// alone while the task goes on; a file gone since it was listed fails as its document alone, at once.
/// </summary>
[Collection(FaultClusterCollection.Name)]
public sealed class SourceReadRetryGrainTests(FaultClusterFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_transient_read_error_of_a_file_is_retried_and_its_document_indexed_at_the_attempt_that_read_it()
    {
        var (directory, flaky) = Source("flaky");
        var fault = fixture.Faults.FailSourceReads(flaky, times: 2);
        var taskId = Guid.NewGuid();
        await using var watcher = await TaskWatcher.StartAsync(fixture.Client, taskId);
        var grain = await StartAsync(taskId, directory, new TaskRetryPolicy(5, TimeSpan.FromMilliseconds(300), 2, TimeSpan.FromSeconds(10)));

        var terminal = await watcher.WaitForTerminalAsync(Deadline);

        Assert.Equal(IndexTaskStatus.Completed, terminal.Status);
        Assert.Equal(new TaskCounts(3, 0, 0), terminal.Counts);
        Assert.Equal(2, fault.Injected);
        var waits = watcher.Received.Where(e => e.NextAttemptAt is not null).ToList();
        Assert.Equal([2, 3], waits.Select(e => e.Attempt));
        Assert.All(waits, e => Assert.Matches(WaitMessage(e.Attempt, 5, flaky), e.Message));
        Assert.Contains(watcher.Received, e => e.Message == "Indexing 0/3 (attempt 3 of 5)");
        Assert.Equal(1, terminal.Attempt);
        var results = (await grain.GetResults(0, 10)).Items;
        Assert.Equal(3, Assert.Single(results, r => r.Id == flaky).Attempts);
    }

    [Fact]
    public async Task A_read_error_that_persists_through_every_attempt_fails_that_file_alone_at_the_last_and_the_task_goes_on()
    {
        var (directory, broken) = Source("broken");
        var fault = fixture.Faults.FailSourceReads(broken, times: 1000);
        var taskId = Guid.NewGuid();
        await using var watcher = await TaskWatcher.StartAsync(fixture.Client, taskId);
        var grain = await StartAsync(taskId, directory, new TaskRetryPolicy(3, TimeSpan.FromMilliseconds(50)));

        var terminal = await watcher.WaitForTerminalAsync(Deadline);
        fault.Stop();

        Assert.Equal(IndexTaskStatus.Completed, terminal.Status);
        Assert.Equal(new TaskCounts(2, 0, 1), terminal.Counts);
        Assert.Equal(3, fault.Injected);
        Assert.Equal([2, 3], watcher.Received.Where(e => e.NextAttemptAt is not null).Select(e => e.Attempt));
        Assert.Single(watcher.Received, e => e.IsTerminal);
        var failed = Assert.Single((await grain.GetResults(0, 10, DocumentOutcome.Failed)).Items);
        Assert.Equal((broken, 3, "The file could not be read at the task's last attempt (an I/O error)."), (failed.Id, failed.Attempts, failed.Error));
    }

    [Fact]
    public async Task A_JSON_lines_file_failing_mid_way_through_every_attempt_keeps_the_lines_read_and_gives_up_the_rest_once()
    {
        const int Lines = 600;
        var (directory, file, ids) = await JsonLinesSourceAsync(Lines);
        await File.WriteAllTextAsync(Path.Combine(directory, "z.txt"), "after the lines");
        var middle = new FileInfo(Path.Combine(directory, file)).Length / 2;
        var fault = fixture.Faults.FailSourceReads(file, times: 1000, fromOffset: middle);
        var taskId = Guid.NewGuid();
        await using var watcher = await TaskWatcher.StartAsync(fixture.Client, taskId);
        var grain = await StartAsync(taskId, directory, new TaskRetryPolicy(2, TimeSpan.FromMilliseconds(50)));

        var terminal = await watcher.WaitForTerminalAsync(Deadline);
        fault.Stop();

        Assert.Equal(IndexTaskStatus.Completed, terminal.Status);
        Assert.Equal(2, fault.Injected);
        var wait = Assert.Single(watcher.Received, e => e.NextAttemptAt is not null);
        Assert.Matches(WaitMessage(2, 2, file), wait.Message);
        var written = await SourceTasks.AllResultsAsync(grain);

        // The lines before the failing read once each, in order; then the file given up as one failed row; then the next file.
        var indexed = written.Where(r => r.Outcome == DocumentOutcome.Indexed && r.Id != "z.txt").Select(r => r.Id).ToList();
        Assert.InRange(indexed.Count, 1, Lines - 1);
        Assert.Equal(ids.Take(indexed.Count), indexed);
        var givenUp = Assert.Single(written, r => r.Outcome == DocumentOutcome.Failed);
        Assert.Equal(file, givenUp.Id);
        Assert.Equal($"The file could not be read past line {indexed.Count} at the task's last attempt (an I/O error).", givenUp.Error);
        Assert.Equal("z.txt", written[^1].Id);
        Assert.Equal(new TaskCounts(indexed.Count + 1, 0, 1), terminal.Counts);
    }

    [Fact]
    public async Task A_file_gone_when_it_is_read_fails_as_its_document_alone_at_once_without_a_retry()
    {
        var (directory, gone) = Source("gone");
        var lost = fixture.Faults.LoseSourceFiles(gone);
        var taskId = Guid.NewGuid();
        await using var watcher = await TaskWatcher.StartAsync(fixture.Client, taskId);
        var grain = await StartAsync(taskId, directory, new TaskRetryPolicy(5, TimeSpan.FromMilliseconds(50)));

        var terminal = await watcher.WaitForTerminalAsync(Deadline);

        Assert.Equal(IndexTaskStatus.Completed, terminal.Status);
        Assert.Equal(new TaskCounts(2, 0, 1), terminal.Counts);
        Assert.Equal(1, lost.Injected);
        Assert.DoesNotContain(watcher.Received, e => e.Attempt > 1 || e.NextAttemptAt is not null);
        var failed = Assert.Single((await grain.GetResults(0, 10, DocumentOutcome.Failed)).Items);
        Assert.Equal((gone, 1, "The file could not be read: it disappeared or is not readable."), (failed.Id, failed.Attempts, failed.Error));
    }

    [Fact]
    public async Task A_JSON_lines_file_whose_read_fails_mid_way_is_read_again_from_its_position_and_every_document_written_once()
    {
        const int Lines = 600;
        var (directory, file, ids) = await JsonLinesSourceAsync(Lines);
        var middle = new FileInfo(Path.Combine(directory, file)).Length / 2;
        var fault = fixture.Faults.FailSourceReads(file, times: 1, fromOffset: middle);
        var taskId = Guid.NewGuid();
        await using var watcher = await TaskWatcher.StartAsync(fixture.Client, taskId);
        var grain = await StartAsync(taskId, directory, new TaskRetryPolicy(5, TimeSpan.FromMilliseconds(100)));

        var terminal = await watcher.WaitForTerminalAsync(Deadline);

        Assert.Equal(IndexTaskStatus.Completed, terminal.Status);
        Assert.Equal(1, fault.Injected);
        var wait = Assert.Single(watcher.Received, e => e.NextAttemptAt is not null);
        Assert.Matches(WaitMessage(2, 5, file), wait.Message);

        // The slice that failed began inside the file, after slices already written: it was read again from there.
        Assert.InRange(wait.Current, 1, Lines - 1);
        Assert.Equal((Lines, new TaskCounts(Lines, 0, 0)), (terminal.Current, terminal.Counts));
        var written = await SourceTasks.AllResultsAsync(grain);

        Assert.Equal(ids, written.Select(r => r.Id));
        Assert.Equal(1, written[0].Attempts);
        Assert.Contains(written, r => r.Attempts == 2);
        Assert.All(written, r => Assert.InRange(r.Attempts, 1, 2));
    }

    /// <summary>A source directory, unique to the test, holding one JSON-lines file of <paramref name="lines"/> documents <c>d0000</c>, <c>d0001</c>, ….</summary>
    private static async Task<(string Directory, string File, List<string> Ids)> JsonLinesSourceAsync(int lines)
    {
        var directory = SourceTasks.NewDirectory();
        var file = $"lines-{Guid.NewGuid():N}.jsonl";
        var ids = Enumerable.Range(0, lines).Select(i => $"d{i:D4}").ToList();
        await File.WriteAllLinesAsync(Path.Combine(directory, file), ids.Select(id => $$"""{"id":"{{id}}","content":"grain silo {{id}}"}"""));
        return (directory, file, ids);
    }

    /// <summary>A source directory of three files, the middle one named after <paramref name="what"/>, unique to the test.</summary>
    private static (string Directory, string Middle) Source(string what)
    {
        var directory = SourceTasks.NewDirectory();
        var middle = $"m-{what}-{Guid.NewGuid():N}.txt";
        File.WriteAllText(Path.Combine(directory, "a.txt"), "first grain");
        File.WriteAllText(Path.Combine(directory, middle), "middle silo");
        File.WriteAllText(Path.Combine(directory, "z.txt"), "last cluster");
        return (directory, middle);
    }

    private Task<IIndexTaskGrain> StartAsync(Guid taskId, string directory, TaskRetryPolicy retry) =>
        SourceTasks.StartAsync(fixture.Client, taskId, directory, retry);

    private static string WaitMessage(int attempt, int maxAttempts, string file) =>
        SourceTasks.WaitMessage(attempt, maxAttempts, $"the source file '{file}' could not be read");
}
