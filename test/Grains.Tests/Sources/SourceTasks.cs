using System.Text.RegularExpressions;

namespace OrleansTasks.Grains.Tests.Sources;

/// <summary>Directory-source tasks on the fault cluster's silo: a source directory of their own, started with a retry policy, their results read whole.</summary>
internal static class SourceTasks
{
    /// <summary>A new, empty source directory under the silo's source root, unique to the test.</summary>
    public static string NewDirectory() =>
        Directory.CreateDirectory(Path.Combine(FaultClusterFixture.SourceRoot, Guid.NewGuid().ToString("N"))).FullName;

    /// <summary>A new collection name, unique to the test.</summary>
    public static string NewCollection() => "s" + Guid.NewGuid().ToString("N")[..12];

    public static async Task<IIndexTaskGrain> StartAsync(
        IClusterClient client, Guid taskId, string directory, TaskRetryPolicy retry, string? collection = null, bool deleteMissing = false)
    {
        var grain = client.GetGrain<IIndexTaskGrain>(taskId);
        await grain.Start(new StartIndexTask("alice", collection ?? NewCollection(), [], new DirectorySource(directory, "*"), Retry: retry) { DeleteMissing = deleteMissing });
        return grain;
    }

    public static async Task<List<DocumentResult>> AllResultsAsync(IIndexTaskGrain grain)
    {
        var written = new List<DocumentResult>();
        for (int? offset = 0; offset is { } next;)
        {
            var page = await grain.GetResults(next, 1000);
            written.AddRange(page.Items);
            offset = page.NextOffset;
        }

        return written;
    }

    /// <summary>The message of a task waiting for its next attempt after a failure for <paramref name="reason"/>.</summary>
    public static string WaitMessage(int attempt, int maxAttempts, string reason) =>
        $@"^Retrying in \d+(\.\d)? s \(attempt {attempt} of {maxAttempts}\): {Regex.Escape(reason)}$";
}
