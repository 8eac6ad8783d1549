using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using OrleansTasks.Hosting;
using OrleansTasks.Storage.Schema;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>The product as operators run it: separate silo and gateway processes on PostgreSQL.</summary>
public sealed class ClusterProcessTests(PostgresServer postgres)
{
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

/// <summary>Silo processes and a client-mode gateway process sharing one PostgreSQL database.</summary>
public sealed class RunningCluster : IAsyncDisposable
{
    private readonly List<ProcessHost> _processes = [];

    private RunningCluster(string database, string clusterId)
    {
        Database = database;
        ClusterId = clusterId;
    }

    public string Database { get; }

    public string ClusterId { get; }

    public int GatewayPort { get; private set; }

    public Uri GatewayAddress => new($"http://127.0.0.1:{GatewayPort}");

    public IReadOnlyList<ProcessHost> Silos => _processes.Where(p => p.Name.StartsWith("silo", StringComparison.Ordinal)).ToList();

    public Dictionary<string, string?> Settings => PostgresSilo.ClusterSettings(Database, ClusterId);

    public static async Task<RunningCluster> StartAsync(string database, int silos, IDictionary<string, string?>? extra = null)
    {
        var cluster = new RunningCluster(database, "c" + Guid.NewGuid().ToString("N")[..10]);
        for (var i = 0; i < silos; i++)
        {
            cluster.StartSilo(extra);
        }

        cluster.GatewayPort = PostgresSilo.FreePort();
        var gateway = cluster.Settings;
        gateway["Gateway:Mode"] = "Client";
        gateway["Auth:SigningKey"] = GatewayFactory.SigningKey;
        gateway["ASPNETCORE_URLS"] = cluster.GatewayAddress.ToString();
        gateway["ASPNETCORE_ENVIRONMENT"] = "Production";
        cluster._processes.Add(ProcessHost.Start("gateway", "OrleansTasks.Gateway.dll", ProcessHost.Environment(gateway)));
        await cluster.WaitForActiveSilosAsync(silos);
        return cluster;
    }

    /// <summary>The silo process listening on the port of an Orleans silo address such as <c>S127.0.0.1:11111:123</c>.</summary>
    public ProcessHost SiloAt(string siloAddress)
    {
        var port = int.Parse(siloAddress.TrimStart('S').Split(':')[1], CultureInfo.InvariantCulture);
        return _siloPorts[port];
    }

    private readonly Dictionary<int, ProcessHost> _siloPorts = [];

    public ProcessHost StartSilo(IDictionary<string, string?>? extra = null)
    {
        var settings = Settings;
        var siloPort = PostgresSilo.FreePort();
        settings["Cluster:SiloPort"] = siloPort.ToString(CultureInfo.InvariantCulture);
        settings["Cluster:GatewayPort"] = PostgresSilo.FreePort().ToString(CultureInfo.InvariantCulture);
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var silo = ProcessHost.Start($"silo-{_processes.Count}", "OrleansTasks.Silo.dll", ProcessHost.Environment(settings));
        _processes.Add(silo);
        _siloPorts[siloPort] = silo;
        return silo;
    }

    /// <summary>Waits until the gateway is ready and the cluster counts <paramref name="silos"/> active silos.</summary>
    public async Task WaitForActiveSilosAsync(int silos)
    {
        using var http = new HttpClient { BaseAddress = GatewayAddress, Timeout = TimeSpan.FromSeconds(10) };
        var expected = $"{silos} active silo(s)";
        try
        {
            await Eventually.TrueAsync(async () =>
            {
                try
                {
                    var report = await http.GetStringAsync("/health/ready");
                    return report.Contains(expected, StringComparison.Ordinal);
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            }, TimeSpan.FromMinutes(2));
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"The cluster did not reach {silos} active silos:\n" +
                string.Join("\n---\n", _processes.Select(p => $"{p.Name}:\n{p.RecentOutput}")));
        }
    }

    /// <summary>An Orleans client of the cluster, as an internal service would have.</summary>
    public async Task<ClusterClientHost> ConnectClientAsync()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(Settings);
        builder.UseOrleansClient(client => client.AddOrleansTasksClient(builder.Configuration));
        var host = builder.Build();
        await host.StartAsync();
        return new ClusterClientHost(host);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }
    }
}

public sealed class ClusterClientHost(IHost host) : IAsyncDisposable
{
    public IClusterClient Client => host.Services.GetRequiredService<IClusterClient>();

    public async ValueTask DisposeAsync()
    {
        await host.StopAsync();
        host.Dispose();
    }
}
