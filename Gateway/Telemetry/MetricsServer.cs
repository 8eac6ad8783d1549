using OpenTelemetry.Metrics;
using OrleansTasks.Hosting;

namespace OrleansTasks.Gateway.Telemetry;

/// <summary>
/// A Kestrel server of its own on the metrics URLs whose one endpoint is <c>/metrics</c> over the
/// gateway's meters; everything else there is 404. Being a separate server, none of the public
/// pipeline (auth, rate limits, static files, APIs) is reachable through it, and no request on the
/// public port can reach it, whatever its Host header says. It logs through the gateway's loggers.
/// </summary>
internal sealed class MetricsServer(MetricsUrls urls, MeterProvider meters, ILoggerFactory loggers) : IHostedService, IAsyncDisposable
{
    private WebApplication? _app;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // An empty builder: none of the gateway's configuration (appsettings, environment, Kestrel
        // endpoints meant for the public server) applies here, only the metrics URLs.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.Services.AddSingleton(loggers);
        builder.WebHost.UseUrls([.. urls.Urls]);
        _app = builder.Build();
        _app.UseOpenTelemetryPrometheusScrapingEndpoint(meters, predicate: null, TelemetrySetup.ScrapePath, configureBranchedPipeline: null, optionsName: null);
        try
        {
            await _app.StartAsync(cancellationToken);
        }
        catch (IOException exception)
        {
            throw new StartupException($"{MetricsListener.UrlsKey}: {exception.Message}", exception);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => _app?.StopAsync(cancellationToken) ?? Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
