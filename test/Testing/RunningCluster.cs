using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using OrleansTasks.Hosting;

namespace OrleansTasks.Testing;

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

    /// <summary>The port of the gateway's metrics listener (<c>Gateway:MetricsUrls</c>).</summary>
    public int GatewayMetricsPort { get; private set; }

    public IReadOnlyList<ProcessHost> Silos => _processes.Where(p => p.Name.StartsWith("silo", StringComparison.Ordinal)).ToList();

    public Dictionary<string, string?> Settings => PostgresSilo.ClusterSettings(Database, ClusterId);

    /// <summary>Starts <paramref name="silos"/> silo processes with <paramref name="extra"/> settings and a gateway with <paramref name="gatewayExtra"/>.</summary>
    public static async Task<RunningCluster> StartAsync(
        string database, int silos, IDictionary<string, string?>? extra = null, IDictionary<string, string?>? gatewayExtra = null)
    {
        var cluster = Create(database);
        for (var i = 0; i < silos; i++)
        {
            cluster.StartSilo(extra);
        }

        cluster.StartGateway(gatewayExtra);
        await cluster.WaitForActiveSilosAsync(silos);
        return cluster;
    }

    /// <summary>A cluster with no process started yet, for tests that start silos and the gateway in an order of their own.</summary>
    public static RunningCluster Create(string database) => new(database, "c" + Guid.NewGuid().ToString("N")[..10])
    {
        GatewayPort = PostgresSilo.FreePort(),
        GatewayMetricsPort = PostgresSilo.FreePort(),
    };

    /// <summary>The client-mode gateway process, on <see cref="GatewayPort"/>.</summary>
    public ProcessHost Gateway { get; private set; } = null!;

    /// <summary>Starts a gateway process on <see cref="GatewayPort"/> (again, after one was stopped or killed).</summary>
    public ProcessHost StartGateway(IDictionary<string, string?>? extra = null)
    {
        var gateway = Settings;
        gateway["Gateway:Mode"] = "Client";
        gateway["Auth:SigningKey"] = TestTokens.SigningKey;
        gateway["ASPNETCORE_URLS"] = GatewayAddress.ToString();
        gateway["Gateway:MetricsUrls"] = $"http://127.0.0.1:{GatewayMetricsPort}";
        gateway["ASPNETCORE_ENVIRONMENT"] = "Production";

        // As deployed: the gateway's files (wwwroot) next to it, here in its project directory.
        gateway["ASPNETCORE_CONTENTROOT"] = Path.Combine(RepositoryPaths.Root, "Gateway");
        gateway["Gateway:RequestsPerSecond"] = "100000";
        gateway["Gateway:RequestBurst"] = "100000";
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            gateway[key] = value;
        }

        Gateway = ProcessHost.Start("gateway", "OrleansTasks.Gateway.dll", ProcessHost.Environment(gateway));
        _processes.Add(Gateway);
        return Gateway;
    }

    /// <summary>The silo process listening on the port of an Orleans silo address such as <c>S127.0.0.1:11111:123</c>.</summary>
    public ProcessHost SiloAt(string siloAddress)
    {
        var port = int.Parse(siloAddress.TrimStart('S').Split(':')[1], CultureInfo.InvariantCulture);
        return _siloPorts[port];
    }

    private readonly Dictionary<int, ProcessHost> _siloPorts = [];

    /// <summary>
    /// Starts a silo process; <paramref name="siloAssembly"/> runs another build's silo (see <see cref="PreviousRelease"/>);
    /// with <paramref name="networkNamespace"/>, inside that network namespace (give it the namespace's
    /// address as <c>Cluster:AdvertisedAddress</c>).
    /// </summary>
    public ProcessHost StartSilo(
        IDictionary<string, string?>? extra = null, string siloAssembly = "OrleansTasks.Silo.dll", string? networkNamespace = null)
    {
        var settings = Settings;
        var siloPort = PostgresSilo.FreePort();
        settings["Cluster:SiloPort"] = siloPort.ToString(CultureInfo.InvariantCulture);
        settings["Cluster:GatewayPort"] = PostgresSilo.FreePort().ToString(CultureInfo.InvariantCulture);
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var name = $"silo-{_processes.Count}";
        var silo = networkNamespace is null
            ? ProcessHost.Start(name, siloAssembly, ProcessHost.Environment(settings))
            : ProcessHost.StartInNamespace(networkNamespace, name, siloAssembly, ProcessHost.Environment(settings));
        _processes.Add(silo);
        _siloPorts[siloPort] = silo;
        return silo;
    }

    /// <summary>Waits until the gateway is ready and the cluster counts <paramref name="silos"/> active silos (two minutes unless <paramref name="deadline"/> says otherwise).</summary>
    public async Task WaitForActiveSilosAsync(int silos, TimeSpan? deadline = null)
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
                catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
                {
                    // Not answering yet, or not within the request's timeout on a loaded machine.
                    return false;
                }
            }, deadline ?? TimeSpan.FromMinutes(2));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"The cluster did not reach {silos} active silos:\n{RecentOutput}");
        }
    }

    /// <summary>The silos the membership table lists as active, read from the database (0 before any silo made the table).</summary>
    public async Task<long> ActiveSilosAsync()
    {
        await using var connection = new NpgsqlConnection(Database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM orleans_membership WHERE deployment_id = @cluster AND status = 3", connection);
        command.Parameters.AddWithValue("cluster", ClusterId);
        try
        {
            return (long)(await command.ExecuteScalarAsync())!;
        }
        catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return 0;
        }
    }

    /// <summary>The last lines each process (silos and gateway) wrote, for a failed test to print.</summary>
    public string RecentOutput => string.Join("\n---\n", _processes.Select(p => $"{p.Name}:\n{p.RecentOutput}"));

    private ClusterClientHost? _client;

    /// <summary>The cluster's Orleans client (as an internal service would have), connected on first use and kept until disposal.</summary>
    public async Task<IClusterClient> ClientAsync()
    {
        _client ??= await ConnectClientAsync();
        return _client.Client;
    }

    /// <summary>The silo process whose activation runs <paramref name="taskId"/> now, asked of the task itself.</summary>
    public async Task<ProcessHost> SiloRunningAsync(Guid taskId) =>
        SiloAt(await (await ClientAsync()).GetGrain<IIndexTaskGrain>(taskId).GetHostingSilo());

    /// <summary>The silo process holding the activation of <paramref name="grain"/>, as the cluster's grain directory says.</summary>
    public async Task<ProcessHost> SiloHostingAsync(Func<IGrainFactory, IAddressable> grain)
    {
        ArgumentNullException.ThrowIfNull(grain);
        var client = await ClientAsync();
        var silo = await client.GetGrain<IManagementGrain>(0).GetActivationAddress(grain(client))
            ?? throw new InvalidOperationException("The grain has no activation in the cluster's directory.");
        return _siloPorts[silo.Endpoint.Port];
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
        if (_client is not null)
        {
            await _client.DisposeAsync();
        }

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
