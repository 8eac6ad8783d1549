using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OrleansTasks.Storage.Schema;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>The product as operators run it: separate silo and gateway processes on PostgreSQL.</summary>
public sealed class ClusterProcessTests(PostgresServer postgres)
{
    [Fact]
    public async Task A_silo_process_serves_its_task_and_orleans_metrics_where_it_is_told()
    {
        var database = await postgres.CreateDatabaseAsync();
        var metricsPort = FreePorts.Next();
        await using var cluster = await RunningCluster.StartAsync(database, silos: 1,
            new Dictionary<string, string?> { ["Silo:MetricsUrls"] = $"http://127.0.0.1:{metricsPort}" });
        using var http = new HttpClient { BaseAddress = cluster.GatewayAddress };
        http.DefaultRequestHeaders.Authorization = new("Bearer", TestTokens.Alice);
        await TaskRequests.WaitForEndAsync(http, await TaskRequests.CreateAsync(http, TaskRequests.Body(50)));

        using var scraper = new HttpClient();
        var metrics = "";
        await Eventually.TrueAsync(async () =>
        {
            metrics = await scraper.GetStringAsync($"http://127.0.0.1:{metricsPort}/metrics");
            return metrics.Contains("orleans_tasks_tasks_ended_total{", StringComparison.Ordinal);
        });
        using var gatewayMetrics = await scraper.GetAsync($"http://127.0.0.1:{cluster.GatewayMetricsPort}/metrics");

        Assert.Contains("orleans_tasks_documents_processed_total{otel_scope_name=\"OrleansTasks.Tasks\",outcome=\"indexed\"} 50", metrics, StringComparison.Ordinal);
        Assert.Contains(metrics.Split('\n'), line => line.StartsWith("orleans_", StringComparison.Ordinal) && !line.StartsWith("orleans_tasks", StringComparison.Ordinal));
        Assert.Equal(System.Net.HttpStatusCode.OK, gatewayMetrics.StatusCode);
    }

    [Fact]
    public async Task Tasks_on_either_of_two_silo_processes_stream_to_a_client_mode_gateway_process()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await RunningCluster.StartAsync(database, silos: 2);
        using var http = new HttpClient { BaseAddress = cluster.GatewayAddress };
        http.DefaultRequestHeaders.Authorization = new("Bearer", TestTokens.Alice);
        await using var internalService = await cluster.ConnectClientAsync();

        // Keep creating tasks until each silo hosts at least one (placement is random).
        var bySilo = new Dictionary<string, Guid>();
        for (var attempt = 0; attempt < 40 && bySilo.Count < 2; attempt++)
        {
            var taskId = await TaskRequests.CreateAsync(http, TaskRequests.Body(4000, words: 60));
            bySilo.TryAdd(await internalService.Client.GetGrain<IIndexTaskGrain>(taskId).GetHostingSilo(), taskId);
        }

        var watched = await Task.WhenAll(bySilo.Values.Select(async taskId =>
        {
            await using var socket = await SocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{cluster.GatewayPort}/ws/task/{taskId}?token={TestTokens.Alice}"));
            return (taskId, messages: await socket.ReceiveUntilClosedAsync(TimeSpan.FromMinutes(2)));
        }));

        Assert.Equal(2, bySilo.Count);
        Assert.All(watched, w =>
        {
            MessageAssert.IsConnected(w.messages[0], w.taskId);
            MessageAssert.IsComplete(w.messages[^1], w.taskId);
            MessageAssert.AreOrdered(w.messages);
        });
    }

    [Fact]
    public async Task A_burst_of_tasks_is_spread_over_both_silos_without_a_log_line_per_placement()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await RunningCluster.StartAsync(database, silos: 2);
        using var http = new HttpClient { BaseAddress = cluster.GatewayAddress };
        http.DefaultRequestHeaders.Authorization = new("Bearer", TestTokens.Alice);
        await using var internalService = await cluster.ConnectClientAsync();

        // Created within a second or two, before any silo's load statistics change.
        var taskIds = await Task.WhenAll(Enumerable.Range(0, 24).Select(_ => TaskRequests.CreateAsync(http, TaskRequests.Body(10, words: 20))));
        var silos = await Task.WhenAll(taskIds.Select(id => internalService.Client.GetGrain<IIndexTaskGrain>(id).GetHostingSilo()));

        var perSilo = silos.GroupBy(silo => silo).Select(group => group.Count()).ToArray();
        Assert.True(perSilo.Length == 2 && perSilo.Min() >= 4, $"tasks per silo: {string.Join(", ", perSilo)}");

        // The silo processes run in a directory without their appsettings.json: the programs' own log
        // levels still keep Orleans' placement pipeline (Polly) and Orleans' routine lines out.
        var routine = cluster.Silos.SelectMany(silo => silo.Output)
            .Where(line => line.StartsWith("info: Polly", StringComparison.Ordinal) || line.StartsWith("info: Orleans.", StringComparison.Ordinal))
            .ToList();
        Assert.True(routine.Count == 0, $"{routine.Count} Information lines of Polly and Orleans, the first: {routine.FirstOrDefault()}");
    }

    [Fact]
    public async Task Migrate_applies_the_schema_once_even_when_run_twice_at_the_same_time()
    {
        var database = await postgres.CreateDatabaseAsync(migrate: false);
        var environment = ProcessHost.Environment(new Dictionary<string, string?> { ["ConnectionStrings:OrleansTasks"] = database });

        await using var first = ProcessHost.Start("migrate-1", "OrleansTasks.Silo.dll", environment, "migrate");
        await using var second = ProcessHost.Start("migrate-2", "OrleansTasks.Silo.dll", environment, "migrate");
        var exits = await Task.WhenAll(first.WaitForExitAsync(TimeSpan.FromMinutes(1)), second.WaitForExitAsync(TimeSpan.FromMinutes(1)));
        await using var again = ProcessHost.Start("migrate-3", "OrleansTasks.Silo.dll", environment, "migrate");
        var againExit = await again.WaitForExitAsync(TimeSpan.FromMinutes(1));

        Assert.Equal([0, 0], exits);
        Assert.Equal(0, againExit);
        Assert.Contains("is up to date at schema version", again.RecentOutput, StringComparison.Ordinal);
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        Assert.Equal(Migrations.Latest, await SchemaMigrator.CurrentVersionAsync(connection));
        await using var count = new NpgsqlCommand("SELECT count(*) FROM orleans_tasks_schema", connection);
        Assert.Equal((long)Migrations.All.Count, (long)(await count.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task A_silo_refuses_to_start_on_an_unmigrated_or_unreachable_database_with_one_line()
    {
        var unmigrated = await postgres.CreateDatabaseAsync(migrate: false);
        string[] databases = [unmigrated, "Host=127.0.0.1;Port=1;Username=postgres;Database=absent;Timeout=3"];
        string[] expected = ["migrate", "127.0.0.1:1"];

        for (var i = 0; i < databases.Length; i++)
        {
            await using var silo = ProcessHost.Start("silo", "OrleansTasks.Silo.dll",
                ProcessHost.Environment(new Dictionary<string, string?> { ["ConnectionStrings:OrleansTasks"] = databases[i] }));
            var exit = await silo.WaitForExitAsync(TimeSpan.FromMinutes(1));

            Assert.Equal(1, exit);
            var line = Assert.Single(silo.RecentOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains(expected[i], line, StringComparison.Ordinal);
        }
    }
}

