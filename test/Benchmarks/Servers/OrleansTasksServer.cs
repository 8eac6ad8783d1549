using System.Globalization;
using OrleansTasks.Gateway.Apis;
using OrleansTasks.Gateway.Hosting;
using OrleansTasks.Gateway.Telemetry;
using OrleansTasks.Gateway.WebSockets;
using OrleansTasks.Testing;

namespace OrleansTasks.Benchmarks.Servers;

/// <summary>
/// The OrleansTasks gateway as shipped, embedded (one silo, memory streams), plus the control
/// endpoints and <see cref="LoadPublisherGrain"/>. Topics are real tasks waiting for a start time
/// a day ahead, so each socket is authorised against its task's grain as in production.
/// </summary>
internal static class OrleansTasksServer
{
    public static Task<WebApplication> BuildAsync(int port)
    {
        var builder = ServerHosts.CreateBuilder(port, new Dictionary<string, string?>
        {
            ["Auth:SigningKey"] = TestTokens.SigningKey,
            ["Gateway:MaxConnectionsPerUser"] = "100000",
            ["Gateway:AnonymousRequestsPerMinute"] = "1000000",
            ["Gateway:RequestsPerSecond"] = "1000000",
            // Metrics are collected only for a gateway with a metrics listener, as shipped.
            ["Gateway:MetricsUrls"] = $"http://127.0.0.1:{FreePorts.Next().ToString(CultureInfo.InvariantCulture)}",
            // Ports the harness chose (a watching service joins the silo on its gateway port), or free ones.
            ["Cluster:SiloPort"] = Environment.GetEnvironmentVariable("Cluster__SiloPort") ?? FreePorts.Next().ToString(CultureInfo.InvariantCulture),
            ["Cluster:GatewayPort"] = Environment.GetEnvironmentVariable("Cluster__GatewayPort") ?? FreePorts.Next().ToString(CultureInfo.InvariantCulture),
        });
        builder.AddOrleansTasksGateway();
        var app = builder.Build();
        app.UseOrleansTasksGateway();
        app.MapFeedSockets();
        app.MapHealthApi();
        // The harness reads the slow-consumer counter on the one port it knows; a shipped gateway answers metrics on its metrics listener only.
        app.MapPrometheusScrapingEndpoint(TelemetrySetup.ScrapePath);
        app.MapLoadControl(new Target(app.Services.GetRequiredService<IGrainFactory>()));
        app.MapOwnerFeedLoad(app.Services.GetRequiredService<IGrainFactory>());
        return Task.FromResult(app);
    }

    private sealed class Target(IGrainFactory grains) : ILoadTarget
    {
        public async Task<Guid[]> CreateTopicsAsync(int count)
        {
            var ids = Enumerable.Range(0, count).Select(_ => Guid.NewGuid()).ToArray();
            var runAt = DateTimeOffset.UtcNow.AddDays(1);
            await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (id, _) =>
                await grains.GetGrain<IIndexTaskGrain>(id).Start(new StartIndexTask(
                    LoadSettings.User, "bench", [new IndexDocument("document", null, "text")], RunAt: runAt)));
            return ids;
        }

        public Task StartPublishingAsync(IReadOnlyList<Guid> topics, int eventsPerSecond, TimeSpan duration) =>
            Parallel.ForEachAsync(topics, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (id, _) =>
                await grains.GetGrain<ILoadPublisherGrain>(id).Start(eventsPerSecond, duration));
    }
}
