using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using OrleansTasks.Diagnostics;

namespace OrleansTasks.Silo;

/// <summary>
/// A silo's telemetry: the tasks' and Orleans' meters with the runtime's, scraped at
/// <c>/metrics</c> on <c>Silo:MetricsUrls</c> when set (a silo has no other HTTP endpoint), and
/// traces over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set. Without metrics URLs nothing
/// listens to the meters: measurements nobody can read are not aggregated.
/// </summary>
internal static class SiloTelemetry
{
    public const string UrlsKey = "Silo:MetricsUrls";

    public static void Add(IServiceCollection services, IConfiguration configuration, bool metered)
    {
        var traced = !string.IsNullOrEmpty(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        if (!metered && !traced)
        {
            return;
        }

        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("orleans-tasks-silo"));
        if (metered)
        {
            telemetry.WithMetrics(metrics => metrics
                .AddMeter(TaskTelemetry.MeterName, "Microsoft.Orleans")
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter());
        }

        if (traced)
        {
            telemetry.WithTracing(tracing => tracing
                .AddSource(TaskTelemetry.ActivitySourceName, "Microsoft.Orleans.Application", "Microsoft.Orleans.Runtime")
                .AddOtlpExporter());
        }
    }

    public static void Map(WebApplication app) => app.MapPrometheusScrapingEndpoint("/metrics");
}
