using OrleansTasks.Hosting;

namespace OrleansTasks.Gateway.Telemetry;

/// <summary>
/// The gateway's <c>/metrics</c>, on a listener of its own at <c>Gateway:MetricsUrls</c> and never
/// on the public port; off unless set, as a silo's <c>Silo:MetricsUrls</c>. Kestrel listens on the
/// metrics URLs besides the public ones, and a request is told apart by the local port its
/// connection arrived on — not by its Host header (as <c>RequireHost</c> would), which any client
/// can set. On the metrics ports only <c>/metrics</c> is answered; everything else there is 404.
/// </summary>
public static class MetricsListener
{
    public const string UrlsKey = "Gateway:MetricsUrls";

    /// <summary>Reads <c>Gateway:MetricsUrls</c>; a malformed one stops the start.</summary>
    public static IServiceCollection AddMetricsListener(this IServiceCollection services, IConfiguration configuration)
    {
        if (MetricsUrls.From(configuration, UrlsKey) is { } metrics)
        {
            services.AddSingleton(metrics);
        }

        return services;
    }

    /// <summary>
    /// Binds the metrics URLs besides the public ones and answers <c>/metrics</c> on them, and
    /// nothing else there. First in the pipeline, so no middleware of the public port runs for them.
    /// </summary>
    public static WebApplication UseOrleansTasksMetrics(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (app.Services.GetService<MetricsUrls>() is not { } metrics)
        {
            return app;
        }

        // The public URLs as finally configured (urls, --urls, ASPNETCORE_URLS); listing addresses here replaces them, so both go in.
        var publicUrls = (app.Configuration[WebHostDefaults.ServerUrlsKey] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (publicUrls.Select(MetricsUrls.PortOf).FirstOrDefault(port => port is { } p && metrics.Ports.Contains(p)) is { } shared)
        {
            throw new StartupException($"{UrlsKey}: port {shared} is also a public port of the gateway: give the metrics listener a port of its own.");
        }

        foreach (var url in publicUrls.Concat(metrics.Urls))
        {
            app.Urls.Add(url);
        }

        app.MapWhen(context => metrics.Ports.Contains(context.Connection.LocalPort), listener =>
        {
            listener.UseOpenTelemetryPrometheusScrapingEndpoint(TelemetrySetup.ScrapePath);
            listener.Run(context =>
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            });
        });
        return app;
    }
}
