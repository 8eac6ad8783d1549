using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansTasks.Hosting;
using OrleansTasks.Testing;

namespace OrleansTasks.Client.Tests;

/// <summary>One in-memory silo, as the Silo program runs it without a database, for services' clients to join.</summary>
public sealed class MemoryCluster : IAsyncLifetime
{
    private IHost? _silo;

    public Dictionary<string, string?> Settings { get; } = new()
    {
        ["Cluster:ClusterId"] = "client-tests",
        ["Cluster:ServiceId"] = "client-tests",
        ["Cluster:SiloPort"] = FreePorts.Next().ToString(CultureInfo.InvariantCulture),
        ["Cluster:GatewayPort"] = FreePorts.Next().ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>The silo's services, to read how it is configured.</summary>
    public IServiceProvider SiloServices => _silo!.Services;

    public async ValueTask InitializeAsync()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(Settings);
        builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleans(silo => silo.AddOrleansTasksSilo(builder.Configuration));
        _silo = builder.Build();
        await _silo.StartAsync();
    }

    /// <summary>A service host with <c>AddOrleansTasksClient</c>, started; <paramref name="services"/> may replace what it registers.</summary>
    public async Task<IHost> StartServiceAsync(Action<OrleansTasksClientOptions>? configure = null, Action<IServiceCollection>? services = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(Settings);
        builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        builder.AddOrleansTasksClient(configure ?? (_ => { }));
        services?.Invoke(builder.Services);
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        if (_silo is not null)
        {
            await _silo.StopAsync();
            _silo.Dispose();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class MemoryClusterCollection : ICollectionFixture<MemoryCluster>
{
    public const string Name = "memory cluster";
}
