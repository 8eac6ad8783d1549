using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using OrleansTasks.Benchmarks.Servers;

namespace OrleansTasks.Benchmarks.Load;

/// <summary>
/// S4: S2's larger load while a share of the sockets stops reading. The gateway must close those
/// with 1013 (not before 10 s), the others must not notice, and its memory must stay flat.
/// </summary>
internal static class StoppedReaders
{
    private const string Scenario = "S4";
    private const string SlowConsumerMetric = "orleans_tasks_gateway_slow_consumers";
    private static readonly TimeSpan NotBefore = TimeSpan.FromSeconds(10);

    public static async Task RunAsync(ServerProcess server, LoadPlan plan, FigureSink figures, WindowFigures reference)
    {
        var topics = await server.CreateTopicsAsync(plan.ManyTasks);
        using var fleet = new SocketFleet(new LoadTarget(server.Kind, server.BaseUri));
        await fleet.ConnectAsync(0, topics, ManyTasks.SocketsOnTask);
        var stopped = fleet.Sockets.Where(socket => !socket.Counted).Take((int)(fleet.Sockets.Count * plan.StoppedShare)).ToArray();
        var before = await server.MemoryAsync();
        fleet.Deliveries.Reset();
        await server.PublishAsync(topics, plan.EventsPerTask, plan.StoppedWindow);
        foreach (var socket in stopped)
        {
            socket.StopReading();
        }

        var stoppedAt = Stopwatch.GetTimestamp();
        var isGateway = server.Kind == ServerHosts.OrleansTasks;
        var closedEarly = 0.0;
        var firstClose = double.NaN;
        while (Stopwatch.GetElapsedTime(stoppedAt) < plan.StoppedWindow)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250));
            if (!isGateway)
            {
                continue;
            }

            var closed = await SlowConsumersAsync(server);
            var elapsed = Stopwatch.GetElapsedTime(stoppedAt);
            if (elapsed < NotBefore)
            {
                closedEarly = closed;
            }

            if (closed > 0 && double.IsNaN(firstClose))
            {
                firstClose = elapsed.TotalSeconds;
            }
        }

        await Task.Delay(ManyTasks.Drain);
        var others = fleet.Deliveries.Read();
        var after = await server.MemoryAsync();
        foreach (var socket in stopped)
        {
            socket.ResumeReading();
        }

        await Task.WhenAny(Task.WhenAll(stopped.Select(socket => socket.WhenEndedAsync())), Task.Delay(TimeSpan.FromSeconds(10)));
        figures.Add(Scenario, $"sockets stopped reading ({plan.StoppedShare:P0})", "sockets", stopped.Length);
        figures.Add(Scenario, "of those, closed with 1013", "sockets", stopped.Count(socket => socket.CloseStatus == (WebSocketCloseStatus)1013));
        if (isGateway)
        {
            figures.Add(Scenario, "first 1013 close after the stop", "s", firstClose);
            figures.Add(Scenario, "closed before 10 s", "sockets", closedEarly);
        }

        figures.Add(Scenario, "others: p99", "ms", others.P99);
        figures.Add(Scenario, "others: p99 / S2's p99", "×", others.P99 / reference.P99);
        figures.Add(Scenario, "events/s received", "/s", ManyTasks.EventsPerSecond(fleet, plan.StoppedWindow));
        figures.Add(Scenario, "memory change over the run", "MiB", (after.WorkingSetBytes - before.WorkingSetBytes) / 1024.0 / 1024.0);
    }

    private static async Task<double> SlowConsumersAsync(ServerProcess server)
    {
        var metrics = await server.Http.GetStringAsync("/metrics");
        return metrics.Split('\n')
            .Where(line => line.StartsWith(SlowConsumerMetric, StringComparison.Ordinal))
            .Select(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture))
            .Sum();
    }
}
