using OrleansTasks.Hosting;

namespace OrleansTasks.Gateway.Telemetry;

/// <summary>
/// The gateway's <c>/metrics</c>: served only by a server of its own on <c>Gateway:MetricsUrls</c>
/// (<see cref="MetricsServer"/>), never on the public port; off unless set, as a silo's
/// <c>Silo:MetricsUrls</c>.
/// </summary>
public static class MetricsListener
{
    public const string UrlsKey = "Gateway:MetricsUrls";

    /// <summary>
    /// Starts the metrics server with the gateway when <c>Gateway:MetricsUrls</c> is set; a malformed
    /// URL, or a port that is also one of the public URLs', stops the start.
    /// </summary>
    public static IServiceCollection AddMetricsListener(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (MetricsUrls.From(configuration, UrlsKey) is not { } metrics)
        {
            return services;
        }

        var publicUrls = (configuration[WebHostDefaults.ServerUrlsKey] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (publicUrls.Select(MetricsUrls.PortOf).FirstOrDefault(port => port is { } p && metrics.Ports.Contains(p)) is { } shared)
        {
            throw new StartupException($"{UrlsKey}: port {shared} is also a public port of the gateway: give the metrics listener a port of its own.");
        }

        services.AddSingleton(metrics);
        services.AddHostedService<MetricsServer>();
        return services;
    }
}
