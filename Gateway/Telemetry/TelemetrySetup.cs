using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using OrleansTasks.Diagnostics;
using OrleansTasks.Gateway.WebSockets;
using OrleansTasks.Hosting;

namespace OrleansTasks.Gateway.Telemetry;

/// <summary>
/// OpenTelemetry for the gateway process (and its embedded silo): the gateway's, the tasks' and
/// Orleans' meters with ASP.NET Core's and the runtime's, scraped at <c>/metrics</c> in Prometheus
/// format on the metrics listener (<see cref="MetricsListener"/>); traces from REST through grain calls to the indexer, exported over OTLP when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set. Without a metrics listener nothing listens to the
/// meters: measurements nobody can read are not aggregated.
/// </summary>
public static class TelemetrySetup
{
    public const string ScrapePath = "/metrics";
    private const string OrleansMeter = "Microsoft.Orleans";

    public static IServiceCollection AddOrleansTasksTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var metered = MetricsUrls.From(configuration, MetricsListener.UrlsKey) is not null;
        var traced = !string.IsNullOrEmpty(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        if (!metered && !traced)
        {
            return services;
        }

        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("orleans-tasks-gateway"));
        if (metered)
        {
            telemetry.WithMetrics(metrics => metrics
                .AddMeter(GatewayMetrics.MeterName, TaskTelemetry.MeterName, OrleansMeter)
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter());
        }

        if (traced)
        {
            // Orleans files calls to interfaces in any namespace starting with "Orleans" — ours are
            // "OrleansTasks" — under its runtime source, so both sources carry our grain calls.
            telemetry.WithTracing(tracing => tracing
                .AddSource(TaskTelemetry.ActivitySourceName, "Microsoft.Orleans.Application", "Microsoft.Orleans.Runtime")
                .AddAspNetCoreInstrumentation()
                .AddOtlpExporter());
        }

        return services;
    }
}
