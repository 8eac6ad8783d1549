using Microsoft.Extensions.DependencyInjection;
using OrleansTasks.Indexing;
using OrleansTasks.Search;

namespace OrleansTasks.Grains.Tests.Sources;

/// <summary>
/// A directory source's listings failing on a silo where the test says: a directory whose listing fails with an I/O error
/// that may pass is retried by the task's retry policy, in its counting pass and in its reading, as a file's read is; every
/// file under it is then indexed once, the total counts them, and a <c>delete_missing</c> pass still removes what the source
/// lost without removing them. A listing that fails at every attempt gives the directory up at the last: one failed result
/// names it, and the task goes on.
/// </summary>
[Collection(FaultClusterCollection.Name)]
public sealed class SourceListingRetryGrainTests(FaultClusterFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private static readonly string[] SubFiles = ["s1.txt", "s2.txt", "s3.txt"];

    [Fact]
    public async Task A_subdirectory_whose_listing_fails_twice_while_read_is_retried_and_each_of_its_files_indexed_once()
    {
        var (directory, sub) = Source();
        // Armed by the reading's read of a.txt, listed before the subdirectory: the count reads no whole file, so however
        // many turns it takes (a turn that stops inside the subdirectory lists it again), it never meets the fault.
        var fault = fixture.Faults.FailSourceListings(sub, times: 2, onceRead: "a.txt");
        var taskId = Guid.NewGuid();
        var collection = SourceTasks.NewCollection();
        await using var watcher = await TaskWatcher.StartAsync(fixture.Client, taskId);
        var grain = await SourceTasks.StartAsync(fixture.Client, taskId, directory, new TaskRetryPolicy(5, TimeSpan.FromMilliseconds(300), 2, TimeSpan.FromSeconds(10)), collection);

        var terminal = await watcher.WaitForTerminalAsync(Deadline);

        Assert.Equal(IndexTaskStatus.Completed, terminal.Status);
        Assert.Equal(new TaskCounts(5, 0, 0), terminal.Counts);
        Assert.Equal(2, fault.Injected);
        var waits = watcher.Received.Where(e => e.NextAttemptAt is not null).ToList();
        Assert.Equal([2, 3], waits.Select(e => e.Attempt));
        Assert.All(waits, e => Assert.Matches(WaitMessage(e.Attempt, 5, sub), e.Message));
        Assert.Contains(watcher.Received, e => e.Message.EndsWith("/5 (attempt 3 of 5)", StringComparison.Ordinal));
        var written = await SourceTasks.AllResultsAsync(grain);
        Assert.Equal(["a.txt", .. SubFiles.Select(f => $"{sub}/{f}"), "z.txt"], written.Select(r => r.Id));
        Assert.All(written.Where(r => r.Id.StartsWith(sub, StringComparison.Ordinal)), r => Assert.Equal(3, r.Attempts));
        Assert.Equal(5, await Index.CountWritesAsync(collection, CancellationToken.None));
    }

    [Fact]
    public async Task A_count_whose_listing_fails_for_now_is_retried_by_the_policy_and_its_total_never_leaves_the_directory_out()
    {
        var (directory, sub) = Source();
        var fault = fixture.Faults.FailSourceListings(sub, times: 2);
        var taskId = Guid.NewGuid();
        await using var watcher = await TaskWatcher.StartAsync(fixture.Client, taskId);
        var grain = await SourceTasks.StartAsync(fixture.Client, taskId, directory, new TaskRetryPolicy(5, TimeSpan.FromMilliseconds(100)));

        var terminal = await watcher.WaitForTerminalAsync(Deadline);

        Assert.Equal(IndexTaskStatus.Completed, terminal.Status);
        Assert.Equal(2, fault.Injected);
        var waits = watcher.Received.Where(e => e.NextAttemptAt is not null).ToList();
        Assert.Equal([2, 3], waits.Select(e => e.Attempt));
        Assert.All(waits, e => Assert.Matches(WaitMessage(e.Attempt, 5, sub), e.Message));
        Assert.All(waits, e => Assert.Equal(0, e.Total));
        Assert.Contains(watcher.Received, e => e.Message == "Counting documents (attempt 3 of 5)");

        // Once counted, the total is every document; the count that went through starts the reading at attempt 1.
        Assert.All(watcher.Received.Where(e => e.Total > 0), e => Assert.Equal(5, e.Total));
        Assert.Equal((5, 1), (terminal.Current, terminal.Attempt));
        Assert.All(await SourceTasks.AllResultsAsync(grain), r => Assert.Equal(1, r.Attempts));
    }

    [Fact]
    public async Task A_subdirectory_that_cannot_be_listed_at_any_attempt_is_one_failed_result_at_the_last_and_the_task_goes_on()
    {
        var (directory, sub) = Source();
        var fault = fixture.Faults.FailSourceListings(sub, times: 1000);
        var taskId = Guid.NewGuid();
        await using var watcher = await TaskWatcher.StartAsync(fixture.Client, taskId);
        var grain = await SourceTasks.StartAsync(fixture.Client, taskId, directory, new TaskRetryPolicy(3, TimeSpan.FromMilliseconds(50)));

        var terminal = await watcher.WaitForTerminalAsync(Deadline);
        fault.Stop();

        // Three attempts of the count, the last counting the directory as one failed entry; then the reading lists it once
        // more and gives it up at once, rather than spend the retry policy on it a second time.
        Assert.Equal(IndexTaskStatus.Completed, terminal.Status);
        Assert.Equal(new TaskCounts(2, 0, 1), terminal.Counts);
        Assert.Equal(4, fault.Injected);
        Assert.Equal([2, 3], watcher.Received.Where(e => e.NextAttemptAt is not null).Select(e => e.Attempt));
        Assert.All(watcher.Received.Where(e => e.Total > 0), e => Assert.Equal(3, e.Total));
        Assert.Single(watcher.Received, e => e.IsTerminal);
        var written = await SourceTasks.AllResultsAsync(grain);
        Assert.Equal(["a.txt", sub, "z.txt"], written.Select(r => r.Id));
        Assert.Equal(
            new DocumentResult(sub, DocumentOutcome.Failed, "The directory could not be listed at the task's last attempt, in its count or its reading (an I/O error); its files were not read.") { Attempts = 1 },
            written[1]);
        Assert.Equal(1, written[^1].Attempts);
    }

    [Fact]
    public async Task A_delete_missing_pass_whose_subdirectory_listing_fails_for_now_keeps_its_documents_and_still_removes_what_the_source_lost()
    {
        var (directory, sub) = Source();
        File.WriteAllText(Path.Combine(directory, "gone.txt"), "shared words of a file that goes");
        var collection = SourceTasks.NewCollection();
        await RunAsync(directory, collection, deleteMissing: false);
        File.Delete(Path.Combine(directory, "gone.txt"));
        var fault = fixture.Faults.FailSourceListings(sub, times: 2, onceRead: "a.txt");

        var terminal = await RunAsync(directory, collection, deleteMissing: true);

        Assert.Equal(IndexTaskStatus.Completed, terminal.Status);
        Assert.Null(terminal.DeleteSkipped);
        Assert.Equal(1, terminal.Deleted);
        Assert.Equal(["a.txt", .. SubFiles.Select(f => $"{sub}/{f}"), "z.txt"], await IdsAsync(collection));
        Assert.Equal(2, fault.Injected);
    }

    [Fact]
    public async Task A_delete_missing_pass_whose_subdirectory_cannot_be_listed_at_any_attempt_removes_nothing_and_says_why()
    {
        var (directory, sub) = Source();
        File.WriteAllText(Path.Combine(directory, "gone.txt"), "shared words of a file that goes");
        var collection = SourceTasks.NewCollection();
        await RunAsync(directory, collection, deleteMissing: false);
        File.Delete(Path.Combine(directory, "gone.txt"));
        var fault = fixture.Faults.FailSourceListings(sub, times: 1000);

        var terminal = await RunAsync(directory, collection, deleteMissing: true, new TaskRetryPolicy(2, TimeSpan.FromMilliseconds(50)));
        fault.Stop();

        Assert.Equal(IndexTaskStatus.Completed, terminal.Status);
        Assert.Equal(new TaskCounts(0, 2, 1), terminal.Counts);
        Assert.Equal($"the source was not read whole: the directory '{sub}' could not be listed (IOException)", terminal.DeleteSkipped);
        Assert.Equal(["a.txt", "gone.txt", .. SubFiles.Select(f => $"{sub}/{f}"), "z.txt"], await IdsAsync(collection));
    }

    private IDocumentIndex Index => fixture.SiloServices.GetRequiredService<IDocumentIndex>();

    /// <summary>A source directory, unique to the test: <c>a.txt</c>, a subdirectory of three files, <c>z.txt</c>; and the subdirectory's name, unique too.</summary>
    private static (string Directory, string Sub) Source()
    {
        var directory = SourceTasks.NewDirectory();
        var sub = $"sub-{Guid.NewGuid():N}";
        File.WriteAllText(Path.Combine(directory, "a.txt"), "shared words first");
        Directory.CreateDirectory(Path.Combine(directory, sub));
        foreach (var file in SubFiles)
        {
            File.WriteAllText(Path.Combine(directory, sub, file), $"shared words of {file}");
        }

        File.WriteAllText(Path.Combine(directory, "z.txt"), "shared words last");
        return (directory, sub);
    }

    private async Task<IndexTaskSnapshot> RunAsync(string directory, string collection, bool deleteMissing, TaskRetryPolicy? retry = null)
    {
        var taskId = Guid.NewGuid();
        await using var watcher = await TaskWatcher.StartAsync(fixture.Client, taskId);
        await SourceTasks.StartAsync(fixture.Client, taskId, directory, retry ?? new TaskRetryPolicy(5, TimeSpan.FromMilliseconds(100)), collection, deleteMissing);
        return await watcher.WaitForTerminalAsync(Deadline);
    }

    private async Task<List<string>> IdsAsync(string collection) =>
        [.. (await Index.SearchAsync(collection, SearchQueryParser.Parse("shared"), 100, CancellationToken.None)).Select(hit => hit.Id).Order(StringComparer.Ordinal)];

    private static string WaitMessage(int attempt, int maxAttempts, string directory) =>
        SourceTasks.WaitMessage(attempt, maxAttempts, $"the source directory '{directory}' could not be listed");
}
