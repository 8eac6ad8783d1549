using System.Globalization;
using Microsoft.Extensions.Hosting;
using OrleansTasks.Benchmarks.Servers;
using OrleansTasks.Hosting;
using OrleansTasks.Testing;

namespace OrleansTasks.Benchmarks.Load;

/// <summary>
/// W1: one service process (this one) watching many tasks through <see cref="ITaskWatcher"/>, as an
/// internal service would, while their grains publish at a set rate on the gateway process's silo;
/// then S2 for the gateway's sockets on the same silo, whose feeds are the same code.
/// </summary>
internal static class ServiceWatchers
{
    private const string Scenario = "W1";

    public static async Task<int> RunAsync(bool quick)
    {
        var plan = quick ? LoadPlan.Quick : LoadPlan.Full;
        var gatewayPort = FreePorts.Next().ToString(CultureInfo.InvariantCulture);
        await using var server = await ServerProcess.StartAsync(ServerHosts.OrleansTasks, new Dictionary<string, string>
        {
            ["Cluster:GatewayPort"] = gatewayPort,
            ["Cluster:SiloPort"] = FreePorts.Next().ToString(CultureInfo.InvariantCulture),
        }, plan.KeepAliveSettings);
        var figures = new FigureSink("service");
        using (var service = await StartServiceAsync(gatewayPort))
        {
            await MeasureAsync(server, service.Services.GetRequiredService<ITaskWatcher>(), plan, figures);
            await service.StopAsync();
        }

        var gateway = new FigureSink(ServerHosts.OrleansTasks);
        await ManyTasks.RunAsync(server, plan, gateway);
        Console.WriteLine();
        Console.WriteLine($"mode: {(quick ? "quick" : "full")}; {Environment.ProcessorCount} cores; one silo in the gateway process (memory streams), the service in this process");
        Console.WriteLine("| scenario | who | measure | value |");
        Console.WriteLine("|---|---|---|---:|");
        foreach (var (who, figure) in figures.Figures.Select(figure => ("service (ITaskWatcher)", figure)).Concat(gateway.Figures.Select(figure => ("gateway (sockets)", figure))))
        {
            Console.WriteLine(FormattableString.Invariant($"| {figure.Scenario} | {who} | {figure.Measure} | {figure.Value:0.##} {figure.Unit} |"));
        }

        return 0;
    }

    private static async Task<IHost> StartServiceAsync(string gatewayPort)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Cluster:GatewayPort"] = gatewayPort });
        builder.Logging.AddConsole().SetMinimumLevel(LogLevel.Warning);
        builder.AddOrleansTasksClient();
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    private static async Task MeasureAsync(ServerProcess server, ITaskWatcher watcher, LoadPlan plan, FigureSink figures)
    {
        var topics = await server.CreateTopicsAsync(plan.ManyTasks);
        var watches = topics.Select(_ => new Watch()).ToArray();
        var deliveries = new Deliveries(() => (watches.Sum(watch => watch.Received), watches.Sum(watch => watch.Received)));
        using var stop = new CancellationTokenSource();
        var running = topics.Select((id, index) => watches[index].RunAsync(watcher.WatchTaskAsync(id, stop.Token), deliveries)).ToArray();
        await Deadline.WaitAsync(Task.WhenAll(watches.Select(watch => watch.First)), TimeSpan.FromMinutes(2), "every watcher's first snapshot");

        await server.PublishAsync(topics, plan.EventsPerTask, plan.Warmup);
        await Task.Delay(plan.Warmup + ManyTasks.Drain);
        deliveries.Reset();
        var skippedBefore = watches.Sum(watch => watch.Skipped);
        await server.PublishAsync(topics, plan.EventsPerTask, plan.Window);
        await Task.Delay(plan.Window + ManyTasks.Drain);
        var window = deliveries.Read();
        var skipped = watches.Sum(watch => watch.Skipped) - skippedBefore;
        await stop.CancelAsync();
        await Task.WhenAll(running);

        var load = $"{plan.ManyTasks:N0} tasks × {plan.EventsPerTask} events/s";
        figures.Add(Scenario, $"events/s received, {load}", "/s", deliveries.CountedEvents / plan.Window.TotalSeconds);
        figures.Add(Scenario, $"events not delivered (seq gaps), {load}", "", skipped);
        figures.Add(Scenario, $"p50, {load}", "ms", window.P50);
        figures.Add(Scenario, $"p99, {load}", "ms", window.P99);
        figures.Add(Scenario, $"p99.9, {load}", "ms", window.P999);
    }

    /// <summary>One watcher: counts what it receives, the seqs it never saw, and each event's time from publish.</summary>
    private sealed class Watch
    {
        private readonly TaskCompletionSource _first = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private long _received;
        private long _skipped;

        public Task First => _first.Task;

        public long Received => Interlocked.Read(ref _received);

        public long Skipped => Interlocked.Read(ref _skipped);

        public async Task RunAsync(IAsyncEnumerable<IndexTaskSnapshot> snapshots, Deliveries deliveries)
        {
            long? last = null;
            try
            {
                await foreach (var snapshot in snapshots)
                {
                    if (last is { } previous)
                    {
                        var latency = DateTimeOffset.UtcNow - snapshot.UpdatedAt;
                        deliveries.RecordLatency((long)(latency.Ticks / (TimeSpan.TicksPerMillisecond / 1000.0)));
                        Interlocked.Increment(ref _received);
                        Interlocked.Add(ref _skipped, snapshot.Seq - previous - 1);
                    }

                    last = snapshot.Seq;
                    _first.TrySetResult();
                }
            }
            catch (OperationCanceledException)
            {
                // The measurement is over.
            }
        }
    }
}
