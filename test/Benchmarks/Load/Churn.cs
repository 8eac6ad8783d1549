using System.Diagnostics;

namespace OrleansTasks.Benchmarks.Load;

/// <summary>S3: S2's larger load while a share of the sockets reconnects every second.</summary>
internal static class Churn
{
    private const string Scenario = "S3";

    public static async Task RunAsync(ServerProcess server, LoadPlan plan, FigureSink figures)
    {
        var topics = await server.CreateTopicsAsync(plan.ManyTasks);
        using var fleet = new SocketFleet(new LoadTarget(server.Kind, server.BaseUri));
        await fleet.ConnectAsync(0, topics, ManyTasks.SocketsOnTask);
        var perSecond = Math.Max(1, (int)(fleet.Sockets.Count * plan.ChurnPerSecond));
        var reconnects = new List<double>();
        var failures = 0;
        var random = new Random(7);
        fleet.Deliveries.Reset();
        await server.PublishAsync(topics, plan.EventsPerTask, plan.Window);
        var started = Stopwatch.GetTimestamp();
        for (var second = 1; Stopwatch.GetElapsedTime(started) < plan.Window; second++)
        {
            var batch = Enumerable.Range(0, perSecond).Select(_ => random.Next(fleet.Sockets.Count)).Distinct().ToArray();
            var times = await Task.WhenAll(batch.Select(async index =>
            {
                try
                {
                    return (await fleet.ReconnectAsync(index)).TotalMilliseconds;
                }
                catch (RefusedException)
                {
                    Interlocked.Increment(ref failures);
                    return double.NaN;
                }
            }));
            reconnects.AddRange(times.Where(time => !double.IsNaN(time)));
            var next = TimeSpan.FromSeconds(second) - Stopwatch.GetElapsedTime(started);
            if (next > TimeSpan.Zero)
            {
                await Task.Delay(next);
            }
        }

        await Task.Delay(ManyTasks.Drain);
        var window = fleet.Deliveries.Read();
        reconnects.Sort();
        figures.Add(Scenario, $"reconnects/s ({plan.ChurnPerSecond:P0} of {fleet.Sockets.Count:N0} sockets)", "/s", reconnects.Count / plan.Window.TotalSeconds);
        figures.Add(Scenario, "reconnect p50", "ms", Percentile(reconnects, 0.5));
        figures.Add(Scenario, "reconnect p99", "ms", Percentile(reconnects, 0.99));
        figures.Add(Scenario, "failed reconnects", "sockets", failures);
        figures.Add(Scenario, "events/s received", "/s", ManyTasks.EventsPerSecond(fleet, plan.Window));
        figures.Add(Scenario, "p50 during churn", "ms", window.P50);
        figures.Add(Scenario, "p99 during churn", "ms", window.P99);
    }

    private static double Percentile(List<double> sorted, double share) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)(sorted.Count * share))];
}
