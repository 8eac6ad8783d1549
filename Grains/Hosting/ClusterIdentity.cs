using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;

namespace OrleansTasks.Hosting;

public static class ClusterIdentity
{
    /// <summary>Names the cluster and service every silo and client of one deployment shares.</summary>
    public static void Configure(IServiceCollection services, ClusterSettings cluster) =>
        services.Configure<ClusterOptions>(options =>
        {
            options.ClusterId = cluster.ClusterId;
            options.ServiceId = cluster.ServiceId;
        });
}
