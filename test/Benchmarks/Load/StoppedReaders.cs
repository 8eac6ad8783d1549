using System.Diagnostics;
using System.Globalization;
using OrleansTasks.Benchmarks.Servers;

namespace OrleansTasks.Benchmarks.Load;

/// <summary>
/// S4: S2's larger load while a share of the sockets stops reading. The gateway must judge those
/// slow consumers and close them with 1013 — not before the slow-consumer timeout — while the
/// others do not notice and its memory stays flat. The closes are counted by the gateway's
/// slow-consumer metric: a client that resumes reading after the gateway has dropped the
/// connection cannot read the close frame any more (SlowConsumerTests reads it in time).
/// </summary>
internal static class StoppedReaders
{
    private const string Scenario = "S4";
    private const string SlowConsumerMetric = "orleans_tasks_gateway_slow_consumers";
    private static readonly TimeSpan TailOfLoad = TimeSpan.FromSeconds(5);

    public static async Task RunAsync(ServerProcess server, LoadPlan plan, FigureSink figures, WindowFigures reference)
    {
        var topics = await server.CreateTopicsAsync(plan.ManyTasks);
        using var fleet = new SocketFleet(new LoadTarget(server.Kind, server.BaseUri));
        await fleet.ConnectAsync(0, topics, ManyTasks.SocketsOnTask);
        var stopped = fleet.Sockets.Where(socket => !socket.Counted).Take(Math.Max(1, (int)(fleet.Sockets.Count * plan.StoppedShare))).ToArray();

        // Publishing runs on past the end, so that the last memory reading is taken under load too.
        var measured = plan.StoppedWarmup + plan.Warmup + plan.StoppedWindow;
        await server.PublishAsync(topics, plan.EventsPerTask, measured + TailOfLoad);
        foreach (var socket in stopped)
        {
            socket.StopReading();
        }

        var stoppedAt = Stopwatch.GetTimestamp();
        var isGateway = server.Kind == ServerHosts.OrleansTasks;
        var closes = isGateway ? WatchClosesAsync(server, plan, stopped.Length, stoppedAt, measured) : Task.FromResult(new Closes(0, 0, double.NaN, double.NaN));

        // The gateway first reaches its steady state under this load (its streams' cache holds the
        // events of its retention time), so that what changes from here on is not the start's doing.
        await Task.Delay(plan.StoppedWarmup);
        var before = await server.MemoryAsync();

        // The reading's full collection pauses the server: the latencies it causes are not the stopped readers'.
        await Task.Delay(plan.Warmup);
        fleet.Deliveries.Reset();
        var othersFrom = Stopwatch.GetTimestamp();
        var (closed, closedEarly, firstClose, lastClose) = await closes;
        var remaining = measured - Stopwatch.GetElapsedTime(stoppedAt);
        if (remaining > TimeSpan.Zero)
        {
            await Task.Delay(remaining);
        }

        var others = fleet.Deliveries.Read();
        var received = ManyTasks.EventsPerSecond(fleet, Stopwatch.GetElapsedTime(othersFrom));
        var after = await server.MemoryAsync();
        await Task.Delay(TailOfLoad + ManyTasks.Drain);
        figures.Add(Scenario, $"sockets stopped reading ({plan.StoppedShare:P0})", "sockets", stopped.Length);
        if (isGateway)
        {
            figures.Add(Scenario, "of those, closed with 1013 (gateway's count)", "sockets", closed);
            figures.Add(Scenario, $"closed before {plan.SlowConsumerTimeout.TotalSeconds:0} s", "sockets", closedEarly);
            figures.Add(Scenario, "first close after the stop", "s", firstClose);
            figures.Add(Scenario, "last close after the stop", "s", lastClose);
            if (closed != stopped.Length || closedEarly > 0)
            {
                throw new LoadCheckException($"{closed} of {stopped.Length} stopped sockets were closed as slow consumers, {closedEarly} too early.");
            }
        }

        figures.Add(Scenario, "others: p99", "ms", others.P99);
        figures.Add(Scenario, "others: p99 / S2's p99", "×", others.P99 / reference.P99);
        figures.Add(Scenario, "events/s received", "/s", received);
        figures.Add(Scenario, "memory change after the warm-up", "MiB", (after.WorkingSetBytes - before.WorkingSetBytes) / 1024.0 / 1024.0);
    }

    /// <summary>Polls the gateway's slow-consumer count from the stop until all are closed or <paramref name="until"/> has passed.</summary>
    private static async Task<Closes> WatchClosesAsync(ServerProcess server, LoadPlan plan, int stopped, long stoppedAt, TimeSpan until)
    {
        var closedEarly = 0.0;
        var closed = 0.0;
        var firstClose = double.NaN;
        var lastClose = double.NaN;
        while (closed < stopped && Stopwatch.GetElapsedTime(stoppedAt) < until)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250));
            var now = await SlowConsumersAsync(server);
            var elapsed = Stopwatch.GetElapsedTime(stoppedAt);
            if (elapsed < plan.SlowConsumerTimeout)
            {
                closedEarly = now;
            }

            if (now > closed)
            {
                firstClose = double.IsNaN(firstClose) ? elapsed.TotalSeconds : firstClose;
                lastClose = elapsed.TotalSeconds;
                closed = now;
            }
        }

        return new Closes(closed, closedEarly, firstClose, lastClose);
    }

    private sealed record Closes(double Closed, double ClosedEarly, double FirstClose, double LastClose);

    private static async Task<double> SlowConsumersAsync(ServerProcess server)
    {
        var metrics = await server.Http.GetStringAsync("/metrics");
        return metrics.Split('\n')
            .Where(line => line.StartsWith(SlowConsumerMetric, StringComparison.Ordinal))
            .Select(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture))
            .Sum();
    }
}
