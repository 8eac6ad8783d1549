using Microsoft.Extensions.Configuration;
using Orleans.Configuration;

namespace OrleansTasks.Hosting;

/// <summary>Joins an OrleansTasks cluster as a client, from the same configuration keys as its silos and gateways.</summary>
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
        var connection = ClusterConnection.From(configuration);
        if (StorageMode.ClientBudget(configuration) is { } budget)
        {
            client.Configure<ClusterOptions>(connection.ConfigureIdentity);
            client.UseAdoNetClustering(options =>
            {
                options.Invariant = StorageMode.AdoNetInvariant;
                options.ConnectionString = budget.Membership;
            });

            // Find silos that replaced the ones it knew (a restarted cluster) within seconds.
            client.Configure<GatewayOptions>(options => options.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5));
            client.Services.AddConnectionBudgetReport(configuration, budget, "client");
        }
        else
        {
            client.UseLocalhostClustering(connection.Cluster.GatewayPort, connection.Cluster.ServiceId, connection.Cluster.ClusterId);
        }

        if (connection.Tls is { } tls)
        {
            client.UseTls(tls.Configure);
        }

        client.AddActivityPropagation();
        client.AddMemoryStreams(TaskStreams.ProviderName, connection.ConfigureTaskStreams);
        return client;
    }
}
