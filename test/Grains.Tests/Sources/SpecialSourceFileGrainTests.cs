namespace OrleansTasks.Grains.Tests.Sources;

/// <summary>
/// A directory source holding files that are not regular files among its ordinary ones: a named pipe (opening it blocks
/// until a writer comes: the task's grain turn would hold its scheduler thread) and a Unix socket (its open fails with
/// ENXIO, an I/O error that would pass for one that may pass). Each fails as its document at once, never opened nor
/// retried, counted in <c>total</c>; every ordinary file is read once and the task completes.
/// </summary>
[Collection(FaultClusterCollection.Name)]
public sealed class SpecialSourceFileGrainTests(FaultClusterFixture fixture) : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private readonly SpecialFiles _special = new();

    [Fact]
    public async Task A_named_pipe_fails_as_its_document_at_once_never_opened_and_the_task_reads_every_other_file_once()
    {
        var directory = OrdinarySource();
        _special.Pipe(Path.Combine(directory, "m-pipe.md"));
        _special.Pipe(Path.Combine(directory, "p-pipe.jsonl"));

        var (terminal, results) = await RunAsync(directory, "a named pipe");

        AssertRead(terminal, results, new()
        {
            ["m-pipe.md"] = "The file is not a regular file (a named pipe); it was not read.",
            ["p-pipe.jsonl"] = "The file is not a regular file (a named pipe); it was not read.",
        });
    }

    [Fact]
    public async Task A_unix_socket_fails_as_its_document_at_once_without_a_retry_and_the_task_reads_every_other_file_once()
    {
        var directory = OrdinarySource();
        _special.Socket(Path.Combine(directory, "s-sock.md"));
        _special.Socket(Path.Combine(directory, "t-sock.ndjson"));

        var (terminal, results) = await RunAsync(directory, "a socket");

        AssertRead(terminal, results, new()
        {
            ["s-sock.md"] = "The file is not a regular file (a socket); it was not read.",
            ["t-sock.ndjson"] = "The file is not a regular file (a socket); it was not read.",
        });
    }

    public void Dispose() => _special.Dispose();

    /// <summary>A source directory unique to the test: two whole files around a JSON-lines file of three documents.</summary>
    private static string OrdinarySource()
    {
        var directory = SourceTasks.NewDirectory();
        File.WriteAllText(Path.Combine(directory, "a.md"), "first grain");
        File.WriteAllLines(Path.Combine(directory, "b-lines.jsonl"), ["""{"id":"l1","content":"one silo"}""", """{"id":"l2","content":"two silos"}""", """{"id":"l3","content":"three silos"}"""]);
        File.WriteAllText(Path.Combine(directory, "z.md"), "last cluster");
        return directory;
    }

    /// <summary>Runs a task over <paramref name="directory"/> with attempts to spare, to its end or the deadline.</summary>
    private async Task<(IndexTaskSnapshot Terminal, List<DocumentResult> Results)> RunAsync(string directory, string special)
    {
        var taskId = Guid.NewGuid();
        await using var watcher = await TaskWatcher.StartAsync(fixture.Client, taskId);
        var grain = await SourceTasks.StartAsync(fixture.Client, taskId, directory, new TaskRetryPolicy(3, TimeSpan.FromMilliseconds(50)));
        IndexTaskSnapshot terminal;
        try
        {
            terminal = await watcher.WaitForTerminalAsync(Deadline);
        }
        catch (TimeoutException timeout)
        {
            var last = watcher.Received.LastOrDefault();
            throw new TimeoutException(
                $"The task over a source holding {special} did not end within {Deadline.TotalSeconds} s (its grain turn blocked opening it?); "
                + $"its last event: '{last?.Message}' at {last?.Current}/{last?.Total}, attempt {last?.Attempt}. {timeout.Message}", timeout);
        }

        Assert.Empty(watcher.Received.Where(e => e.Attempt > 1 || e.NextAttemptAt is not null).Select(e => e.Message));
        return (terminal, await SourceTasks.AllResultsAsync(grain));
    }

    private static void AssertRead(IndexTaskSnapshot terminal, List<DocumentResult> results, Dictionary<string, string> failures)
    {
        Assert.Equal(IndexTaskStatus.Completed, terminal.Status);
        Assert.Equal(new TaskCounts(5, 0, failures.Count), terminal.Counts);
        Assert.Equal((5 + failures.Count, 5 + failures.Count), (terminal.Current, terminal.Total));
        Assert.Equal(
            ["a.md", "l1", "l2", "l3", "z.md"],
            results.Where(r => r.Outcome == DocumentOutcome.Indexed).Select(r => r.Id).Order(StringComparer.Ordinal));
        var failed = results.Where(r => r.Outcome == DocumentOutcome.Failed).ToList();
        Assert.Equal(
            failures.Select(f => (f.Key, (string?)f.Value)).OrderBy(f => f.Key, StringComparer.Ordinal),
            failed.Select(r => (r.Id, r.Error)).OrderBy(f => f.Id, StringComparer.Ordinal));
        Assert.All(results, r => Assert.Equal(1, r.Attempts));
    }
}
