using OrleansTasks.Benchmarks.Servers;

namespace OrleansTasks.Benchmarks.Load;

/// <summary>
/// The load benchmark: the OrleansTasks gateway (embedded, memory streams) and two reference peers,
/// each in its own process, driven in turn by this process through scenarios S0–S4 on loopback.
/// Prints a table and writes JSON. Exits non-zero when a behaviour it checks did not hold.
/// </summary>
internal static class LoadProgram
{
    private static readonly string[] Servers = [ServerHosts.OrleansTasks, ServerHosts.Kestrel, ServerHosts.SignalR];

    public static async Task<int> RunAsync(bool quick, string output)
    {
        var plan = quick ? LoadPlan.Quick : LoadPlan.Full;
        var started = DateTimeOffset.UtcNow;
        var sinks = new List<FigureSink>();
        try
        {
            foreach (var kind in Servers)
            {
                Console.WriteLine($"{kind}:");
                var figures = new FigureSink(kind);
                sinks.Add(figures);
                await using (var server = await ServerProcess.StartAsync(kind, kind == ServerHosts.OrleansTasks ? plan.GatewayMaxConnections : null))
                {
                    await IdleSockets.RunAsync(server, plan, figures);
                }

                await using (var server = await ServerProcess.StartAsync(kind, null))
                {
                    await FanOut.RunAsync(server, plan, figures);
                    var reference = await ManyTasks.RunAsync(server, plan, figures);
                    await Churn.RunAsync(server, plan, figures);
                    if (plan.StoppedShare > 0)
                    {
                        await StoppedReaders.RunAsync(server, plan, figures, reference);
                    }
                }
            }
        }
        catch (LoadCheckException failure)
        {
            await Console.Error.WriteLineAsync("check failed: " + failure.Message);
            return 1;
        }

        Console.WriteLine();
        Console.WriteLine($"mode: {(quick ? "quick" : "full")}; OrleansTasks embedded (one silo, memory streams, default stream settings); {Environment.ProcessorCount} cores");
        Console.WriteLine(LoadReport.Table(sinks));
        await File.WriteAllTextAsync(output, LoadReport.Json(sinks, quick ? "quick" : "full", started));
        Console.WriteLine($"figures written to {Path.GetFullPath(output)}");
        return 0;
    }
}
