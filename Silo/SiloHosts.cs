using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using OrleansTasks.Hosting;

namespace OrleansTasks.Silo;

/// <summary>The silo's host: plain, or with an HTTP listener for <c>/metrics</c> and <c>/health/ready</c> when <c>Silo:MetricsUrls</c> is set.</summary>
internal static class SiloHosts
{
    public static IHost Build(string[] args, HostApplicationBuilder plain)
    {
        if (MetricsUrls.From(plain.Configuration, SiloTelemetry.UrlsKey) is not { } metrics)
        {
            plain.UseOrleans(silo => silo.AddOrleansTasksSilo(plain.Configuration));
            SiloTelemetry.Add(plain.Services, plain.Configuration, metered: false);
            return plain.Build();
        }

        var builder = WebApplication.CreateBuilder(args);
        LogLevelDefaults.AddTo(builder.Configuration);
        builder.UseOrleans(silo => silo.AddOrleansTasksSilo(builder.Configuration));
        SiloTelemetry.Add(builder.Services, builder.Configuration, metered: true);
        SiloReadiness.Add(builder.Services);
        builder.WebHost.UseUrls([.. metrics.Urls]);
        var app = builder.Build();
        SiloTelemetry.Map(app);
        SiloReadiness.Map(app);
        return app;
    }

    /// <summary>The silo's ports and, when set, its listener's URLs: each must be free before the host starts.</summary>
    public static IEnumerable<ListenAddress> ListenAddresses(IConfiguration configuration) =>
        Hosting.ListenAddresses.OfSilo(configuration).Concat(Hosting.ListenAddresses.OfMetrics(configuration, SiloTelemetry.UrlsKey));
}
