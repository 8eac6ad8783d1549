namespace OrleansTasks.Benchmarks.Load;

/// <summary>S2: many tasks publishing at once, each watched by one to three sockets.</summary>
internal static class ManyTasks
{
    private const string Scenario = "S2";
    public static readonly TimeSpan Drain = TimeSpan.FromMilliseconds(500);

    /// <summary>One, two or three sockets per task, in turn.</summary>
    public static int SocketsOnTask(int task) => task % 3 + 1;

    /// <summary>Measures the few tasks, then the many; then the many at twice the rate, for the headroom. Returns the many tasks' figures.</summary>
    public static async Task<WindowFigures> RunAsync(ServerProcess server, LoadPlan plan, FigureSink figures)
    {
        await MeasureAsync(server, plan, plan.FewTasks, plan.EventsPerTask, figures);
        var reference = await MeasureAsync(server, plan, plan.ManyTasks, plan.EventsPerTask, figures);
        if (plan.MeasureHeadroom)
        {
            await MeasureAsync(server, plan, plan.ManyTasks, 2 * plan.EventsPerTask, figures);
        }

        return reference;
    }

    private static async Task<WindowFigures> MeasureAsync(ServerProcess server, LoadPlan plan, int tasks, int eventsPerTask, FigureSink figures)
    {
        var topics = await server.CreateTopicsAsync(tasks);
        using var fleet = new SocketFleet(new LoadTarget(server.Kind, server.BaseUri));
        await fleet.ConnectAsync(0, topics, SocketsOnTask);
        await server.PublishAsync(topics, eventsPerTask, plan.Warmup);
        await Task.Delay(plan.Warmup + Drain);
        fleet.Deliveries.Reset();
        var processor = server.ProcessorTime();
        await server.PublishAsync(topics, eventsPerTask, plan.Window);
        await Task.Delay(plan.Window);
        var busy = (server.ProcessorTime() - processor).TotalMilliseconds / plan.Window.TotalSeconds;
        await Task.Delay(Drain);
        var window = fleet.Deliveries.Read();
        var load = $"{tasks:N0} tasks × {eventsPerTask} events/s";
        figures.Add(Scenario, $"events/s received, {load}", "/s", window.Samples == 0 ? 0 : EventsPerSecond(fleet, plan.Window));
        figures.Add(Scenario, $"p50, {load}", "ms", window.P50);
        figures.Add(Scenario, $"p99, {load}", "ms", window.P99);
        figures.Add(Scenario, $"p99.9, {load}", "ms", window.P999);
        figures.Add(Scenario, $"server processor per socket, {load}", "ms/s", busy / fleet.Sockets.Count);
        return window;
    }

    /// <summary>Events that reached their task's first socket, per second of the publishing window.</summary>
    public static double EventsPerSecond(SocketFleet fleet, TimeSpan window) =>
        fleet.Deliveries.CountedEvents / window.TotalSeconds;
}
