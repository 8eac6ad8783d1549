using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansTasks.Hosting;

namespace OrleansTasks.Testing;

/// <summary>A real silo host in this process, configured exactly as the Silo program is, on a PostgreSQL database.</summary>
public sealed class PostgresSilo : IAsyncDisposable
{
    private readonly IHost _host;

    private PostgresSilo(IHost host, int siloPort, int gatewayPort)
    {
        _host = host;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
    }

    public int SiloPort { get; }

    public int GatewayPort { get; }

    public IServiceProvider Services => _host.Services;

    public IClusterClient Client => _host.Services.GetRequiredService<IClusterClient>();

    /// <summary>Settings shared by every process of one test cluster.</summary>
    public static Dictionary<string, string?> ClusterSettings(string connectionString, string clusterId) => new()
    {
        ["ConnectionStrings:OrleansTasks"] = connectionString,
        ["Cluster:ClusterId"] = clusterId,
        ["Cluster:ServiceId"] = clusterId,
        ["Cluster:AdvertisedAddress"] = "127.0.0.1",
    };

    public static async Task<PostgresSilo> StartAsync(
        string connectionString, string clusterId, IDictionary<string, string?>? extra = null, Action<ISiloBuilder>? configure = null)
    {
        var siloPort = FreePort();
        var gatewayPort = FreePort();
        var settings = ClusterSettings(connectionString, clusterId);
        settings["Cluster:SiloPort"] = siloPort.ToString(CultureInfo.InvariantCulture);
        settings["Cluster:GatewayPort"] = gatewayPort.ToString(CultureInfo.InvariantCulture);
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleans(silo =>
        {
            silo.AddOrleansTasksSilo(builder.Configuration);
            configure?.Invoke(silo);
        });
        var host = builder.Build();
        await host.StartAsync();
        return new PostgresSilo(host, siloPort, gatewayPort);
    }

    /// <summary>A graceful stop, as on SIGTERM.</summary>
    public async Task StopAsync()
    {
        await Deadline.RunAsync(_host.StopAsync, TimeSpan.FromSeconds(60), "the silo to stop gracefully");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        catch (Exception exception) when (exception is OperationCanceledException or TimeoutException or ObjectDisposedException)
        {
            // already stopped
        }

        _host.Dispose();
    }

    public static int FreePort() => FreePorts.Next();
}
