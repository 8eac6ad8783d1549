using OrleansTasks.Hosting;

namespace OrleansTasks.Gateway.Hosting;

public static class OrleansClientExtensions
{
    /// <summary>Joins the cluster named by the <c>Cluster</c> section as a client, with the task stream provider.</summary>
    public static IClientBuilder AddOrleansTasksClient(this IClientBuilder client, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(client);
        var cluster = ClusterSettings.From(configuration);
        client.UseLocalhostClustering(cluster.GatewayPort, cluster.ServiceId, cluster.ClusterId);
        client.AddMemoryStreams(TaskStreams.ProviderName);
        return client;
    }
}
