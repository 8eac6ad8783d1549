using OrleansTasks.Testing;

namespace OrleansTasks.Benchmarks.Corpus;

/// <summary>
/// The same task as <see cref="CorpusBenchmark.IndexAsync"/> in embedded mode: one gateway process hosting
/// its silo, the Lucene index on disk (<c>Tasks:IndexDirectory</c>), no database; from the task's creation
/// to its terminal message on its socket, after the same warm-up task, with the process's resident memory after the warm-up and at its peak.
/// </summary>
internal static class EmbeddedCorpusRun
{
    public static async Task<CorpusBenchmark.TaskRun> IndexAsync(string directory, int size, CorpusBenchmark.WarmUp warmUp, string scratch)
    {
        ArgumentNullException.ThrowIfNull(warmUp);
        var index = Directory.CreateDirectory(Path.Combine(scratch, "index-" + Guid.NewGuid().ToString("N")[..8])).FullName;
        var port = PostgresSilo.FreePort();
        var settings = new Dictionary<string, string?>
        {
            ["Gateway:Mode"] = "Embedded",
            [ProcessHost.GarbageCollectorVariable] = CorpusBenchmark.AsShipped,
            ["Tasks:SourceRoots:0"] = directory,
            ["Tasks:SourceRoots:1"] = warmUp.Directory,
            ["Tasks:IndexDirectory"] = index,
            ["Auth:SigningKey"] = TestTokens.SigningKey,
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_CONTENTROOT"] = Path.Combine(RepositoryPaths.Root, "Gateway"),
        };
        try
        {
            await using var gateway = ProcessHost.Start("gateway", "OrleansTasks.Gateway.dll", ProcessHost.Environment(settings));
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
            await Eventually.TrueAsync("the embedded gateway to be ready", async () =>
            {
                try
                {
                    return (await http.GetAsync("/health/ready")).IsSuccessStatusCode;
                }
                catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
                {
                    return false;
                }
            }, TimeSpan.FromMinutes(2));

            var memory = new ProcessMemoryWatch(gateway.ProcessId);
            await CorpusBenchmark.WarmUpAsync(port, warmUp);
            memory.StartMeasuring();
            var elapsed = await CorpusBenchmark.TimeTaskAsync(port, directory, size);
            return new CorpusBenchmark.TaskRun(elapsed, null, await memory.StopAsync());
        }
        finally
        {
            Directory.Delete(index, recursive: true);
        }
    }
}
