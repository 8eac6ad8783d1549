using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansTasks.Hosting;
using OrleansTasks.Testing;

namespace OrleansTasks.Client.Tests;

/// <summary>
/// A silo and a client-mode gateway as processes on their own PostgreSQL database, and a service
/// host beside them joined through <c>AddOrleansTasksClient</c>: what a service and the REST API
/// see of the same cluster. Shared by a test class.
/// </summary>
public sealed class ServiceBesideGateway(PostgresServer postgres) : IAsyncLifetime
{
    private RunningCluster? _cluster;

    public IHost Service { get; private set; } = null!;

    /// <summary>Skips (or fails, in CI) when PostgreSQL is missing.</summary>
    public void Require() => postgres.Require();

    /// <summary>An HTTP client of the gateway presenting <paramref name="token"/>.</summary>
    public HttpClient Http(string token)
    {
        var http = new HttpClient { BaseAddress = _cluster!.GatewayAddress };
        http.DefaultRequestHeaders.Authorization = new("Bearer", token);
        return http;
    }

    public async ValueTask InitializeAsync()
    {
        if (!postgres.IsAvailable)
        {
            return;
        }

        _cluster = await RunningCluster.StartAsync(await postgres.CreateDatabaseAsync(), silos: 1);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(_cluster.Settings);
        builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        builder.AddOrleansTasksClient();
        Service = builder.Build();
        await Service.StartAsync();
        using var http = Http(TestTokens.Alice);
        await Eventually.TrueAsync("the gateway to answer /health/ready", async () => (await http.GetAsync("/health/ready")).IsSuccessStatusCode, TimeSpan.FromMinutes(1));
    }

    public async ValueTask DisposeAsync()
    {
        if (Service is not null)
        {
            await Service.StopAsync();
            Service.Dispose();
        }

        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}
