using OrleansTasks.Benchmarks.Servers;

namespace OrleansTasks.Benchmarks.Load;

/// <summary>
/// The load benchmark: the OrleansTasks gateway (embedded, memory streams) and two reference peers,
/// each in its own process, driven in turn by this process through scenarios S0–S4 on loopback;
/// then F1, the gateway's <c>/ws/tasks</c> subscribers (the peers have no per-user feed).
/// Prints a table and writes JSON. Exits non-zero when a behaviour it checks did not hold.
/// </summary>
internal static class LoadProgram
{
    private static readonly string[] Servers = [ServerHosts.OrleansTasks, ServerHosts.Kestrel, ServerHosts.SignalR];

    /// <param name="scenarios">The scenarios to run (S0–S4), all when empty.</param>
    /// <param name="servers">The servers to measure, all when empty.</param>
    public static async Task<int> RunAsync(bool quick, string output, IReadOnlyCollection<string> scenarios, IReadOnlyCollection<string> servers)
    {
        bool Runs(string scenario) => scenarios.Count == 0 || scenarios.Contains(scenario);
        var plan = quick ? LoadPlan.Quick : LoadPlan.Full;
        var started = DateTimeOffset.UtcNow;
        var sinks = new List<FigureSink>();
        try
        {
            foreach (var kind in Servers.Where(kind => servers.Count == 0 || servers.Contains(kind)))
            {
                Console.WriteLine($"{kind}:");
                var figures = new FigureSink(kind);
                sinks.Add(figures);
                await RunScenariosAsync(kind, plan, figures, Runs);
            }
        }
        catch (LoadCheckException failure)
        {
            await Console.Error.WriteLineAsync("check failed: " + failure.Message);
            return 1;
        }

        Console.WriteLine();
        Console.WriteLine($"mode: {(quick ? "quick" : "full")}; {Environment.ProcessorCount} cores; OrleansTasks embedded (one silo, memory streams, shipped Streams settings); every server queues at most {KestrelPeer.QueuedMessages} progress messages per socket");
        Console.WriteLine(LoadReport.Table(sinks));
        await File.WriteAllTextAsync(output, LoadReport.Json(sinks, quick ? "quick" : "full", started));
        Console.WriteLine($"figures written to {Path.GetFullPath(output)}");
        return 0;
    }

    /// <summary>
    /// The full run gives S0, S1 and S2–S4 a fresh server each, so that each starts from a clean
    /// heap; the quick run uses one server for all, to stay short.
    /// </summary>
    private static async Task RunScenariosAsync(string kind, LoadPlan plan, FigureSink figures, Func<string, bool> runs)
    {
        ServerProcess? shared = plan.FreshServers ? null : await ServerProcess.StartAsync(kind, plan.CapSettings, plan.KeepAliveSettings);
        try
        {
            if (runs("S0"))
            {
                await using var fresh = plan.FreshServers ? await ServerProcess.StartAsync(kind, plan.CapSettings) : null;
                await IdleSockets.RunAsync(fresh ?? shared!, plan, figures);
            }

            if (runs("S1"))
            {
                await using var fresh = plan.FreshServers ? await ServerProcess.StartAsync(kind) : null;
                await FanOut.RunAsync(fresh ?? shared!, plan, figures);
            }

            if (runs("S2") || runs("S3") || runs("S4"))
            {
                await using var fresh = plan.FreshServers ? await ServerProcess.StartAsync(kind, plan.KeepAliveSettings) : null;
                var server = fresh ?? shared!;
                var reference = await ManyTasks.RunAsync(server, plan, figures);
                if (runs("S3"))
                {
                    await Churn.RunAsync(server, plan, figures);
                }

                // The quick run keeps S4 for the gateway, whose slow-consumer check it is.
                if (runs("S4") && (plan.FreshServers || kind == ServerHosts.OrleansTasks))
                {
                    await StoppedReaders.RunAsync(server, plan, figures, reference);
                }
            }

            if (runs("F1") && kind == ServerHosts.OrleansTasks)
            {
                await using var fresh = plan.FreshServers ? await ServerProcess.StartAsync(kind) : null;
                await OwnerFeeds.RunAsync(fresh ?? shared!, plan, figures);
            }
        }
        finally
        {
            if (shared is not null)
            {
                await shared.DisposeAsync();
            }
        }
    }
}
