using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Hosting;
using Orleans.Streams;
using OrleansTasks.Hosting;
using OrleansTasks.Testing;

namespace OrleansTasks.Benchmarks;

/// <summary>
/// Task events through the memory stream provider in cluster mode (subscriptions in PostgreSQL):
/// two silos and a separate client, as a gateway sees them. Prints events per second for a burst
/// and the delivery latency of a real task's events.
/// </summary>
internal static class StreamBenchmark
{
    public static async Task RunAsync()
    {
        await using var postgres = new PostgresServer();
        await postgres.InitializeAsync();
        if (!postgres.IsAvailable)
        {
            Console.WriteLine("streams: PostgreSQL server binaries are needed (sudo apt-get install postgresql)");
            return;
        }

        var database = await postgres.CreateDatabaseAsync();
        var clusterId = "bench" + Guid.NewGuid().ToString("N")[..6];
        await using var first = await PostgresSilo.StartAsync(database, clusterId);
        await using var second = await PostgresSilo.StartAsync(database, clusterId);
        using var client = await StartClientAsync(database, clusterId);
        var cluster = client.Services.GetRequiredService<IClusterClient>();

        await BurstAsync(cluster, 200);
        var (rate, burstLatencies) = await BurstAsync(cluster, 1000);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"memory streams, 1,000-event burst from a client: {rate:F0} events/s, latency {Stats.Describe(burstLatencies)}"));

        var taskLatencies = await TaskEventsAsync(cluster);
        Console.WriteLine($"memory streams, a 10,000-document task's events to a client: {Stats.Describe(taskLatencies)}");
        await client.StopAsync();
    }

    private static async Task<IHost> StartClientAsync(string database, string clusterId)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(PostgresSilo.ClusterSettings(database, clusterId));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleansClient(orleans => orleans.AddOrleansTasksClient(builder.Configuration));
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    private static async Task<(double Rate, List<double> Latencies)> BurstAsync(IClusterClient client, int count)
    {
        var stream = client.GetStreamProvider(TaskStreams.ProviderName).GetStream<IndexTaskSnapshot>(TaskStreams.ForTask(Guid.NewGuid()));
        var latencies = new ConcurrentBag<double>();
        var done = new TaskCompletionSource();
        var handle = await stream.SubscribeAsync((snapshot, _) =>
        {
            latencies.Add((DateTimeOffset.UtcNow - snapshot.UpdatedAt).TotalMilliseconds);
            if (latencies.Count == count)
            {
                done.TrySetResult();
            }

            return Task.CompletedTask;
        });
        var started = Stopwatch.GetTimestamp();
        for (var seq = 1; seq <= count; seq++)
        {
            await stream.OnNextAsync(Snapshot(seq));
        }

        await Deadline.WaitAsync(done.Task, TimeSpan.FromMinutes(2), $"the subscriber to receive all {count} events of the burst");
        var elapsed = Stopwatch.GetElapsedTime(started);
        await handle.UnsubscribeAsync();
        return (count / elapsed.TotalSeconds, [.. latencies]);
    }

    private static async Task<List<double>> TaskEventsAsync(IClusterClient client)
    {
        var taskId = Guid.NewGuid();
        var latencies = new ConcurrentBag<double>();
        var done = new TaskCompletionSource();
        var stream = client.GetStreamProvider(TaskStreams.ProviderName).GetStream<IndexTaskSnapshot>(TaskStreams.ForTask(taskId));
        var handle = await stream.SubscribeAsync((snapshot, _) =>
        {
            latencies.Add((DateTimeOffset.UtcNow - snapshot.UpdatedAt).TotalMilliseconds);
            if (snapshot.IsTerminal)
            {
                done.TrySetResult();
            }

            return Task.CompletedTask;
        });
        await client.GetGrain<IIndexTaskGrain>(taskId).Start(new StartIndexTask("bench", "streams", SampleDocuments.Generate(10_000, 100)));
        await Deadline.WaitAsync(done.Task, TimeSpan.FromMinutes(5), $"the terminal event of task {taskId} on its stream");
        await handle.UnsubscribeAsync();
        return [.. latencies];
    }

    private static IndexTaskSnapshot Snapshot(long seq) => new()
    {
        TaskId = Guid.Empty,
        OwnerId = "bench",
        Collection = "bench",
        Status = IndexTaskStatus.Processing,
        Progress = 0,
        Current = 0,
        Total = 1,
        Message = "",
        Seq = seq,
        Counts = new TaskCounts(0, 0, 0),
        CreatedAt = DateTimeOffset.UtcNow,
        UpdatedAt = DateTimeOffset.UtcNow,
    };
}
