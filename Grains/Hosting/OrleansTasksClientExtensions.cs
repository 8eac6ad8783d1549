using Microsoft.Extensions.Configuration;
using Orleans.Configuration;

namespace OrleansTasks.Hosting;

public static class OrleansTasksClientExtensions
{
    /// <summary>
    /// Joins the cluster named by the <c>Cluster</c> section as a client with the task stream
    /// provider: through PostgreSQL membership when <c>ConnectionStrings:OrleansTasks</c> is set,
    /// else through the local silo's gateway port.
    /// </summary>
    public static IClientBuilder AddOrleansTasksClient(this IClientBuilder client, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(client);
        var cluster = ClusterSettings.From(configuration);
        if (StorageMode.ConnectionString(configuration) is { } connectionString)
        {
            ClusterIdentity.Configure(client.Services, cluster);
            client.UseAdoNetClustering(options =>
            {
                options.Invariant = StorageMode.AdoNetInvariant;
                options.ConnectionString = connectionString;
            });

            // Find silos that replaced the ones it knew (a restarted cluster) within seconds.
            client.Configure<GatewayOptions>(options => options.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5));
        }
        else
        {
            client.UseLocalhostClustering(cluster.GatewayPort, cluster.ServiceId, cluster.ClusterId);
        }

        if (ClusterTls.From(configuration) is { } tls)
        {
            client.UseTls(tls.Configure);
        }

        client.AddActivityPropagation();
        var streams = TaskStreamSettings.From(configuration);
        client.AddMemoryStreams(TaskStreams.ProviderName, provider => provider.ConfigurePartitioning(streams.Queues));
        return client;
    }
}
