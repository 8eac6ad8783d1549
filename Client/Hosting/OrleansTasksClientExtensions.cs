using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using OrleansTasks.Feeds;
using OrleansTasks.Storage.Connections;

namespace OrleansTasks.Hosting;

/// <summary>Joins an OrleansTasks cluster as a client, from the same configuration keys as its silos and gateways.</summary>
public static class OrleansTasksClientExtensions
{
    /// <summary>
    /// Everything a .NET service needs to use the cluster: an <see cref="IClusterClient"/> joined
    /// as <see cref="AddOrleansTasksClient(IClientBuilder, IConfiguration)"/> does, and an
    /// <see cref="ITaskWatcher"/>; settings from the <c>Client</c> section
    /// (<see cref="OrleansTasksClientOptions"/>). A bad setting stops the start with a one-line
    /// <see cref="StartupException"/>; a cluster that does not answer within the connect timeout
    /// fails the host's start with a <see cref="ClusterUnavailableException"/>.
    /// </summary>
    /// <param name="builder">The service's host builder.</param>
    public static IHostApplicationBuilder AddOrleansTasksClient(this IHostApplicationBuilder builder) =>
        builder.AddOrleansTasksClient(_ => { });

    /// <summary>As <see cref="AddOrleansTasksClient(IHostApplicationBuilder)"/>, with <paramref name="configure"/> changing the settings read from configuration.</summary>
    /// <param name="builder">The service's host builder.</param>
    /// <param name="configure">Changes the client's settings; they are validated after it.</param>
    public static IHostApplicationBuilder AddOrleansTasksClient(this IHostApplicationBuilder builder, Action<OrleansTasksClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var options = StartupSettings.Read(builder.Configuration, OrleansTasksClientOptions.SectionName, configure);
        builder.Services.AddSingleton(Options.Create(options));
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddOptions<FeedOptions>().Configure(feeds => feeds.StreamSilenceTimeout = options.StreamSilenceTimeout);
        builder.UseOrleansClient(client =>
        {
            client.AddOrleansTasksClient(builder.Configuration);
            client.UseConnectionRetryFilter<ConnectRetry>();
        });
        builder.Services.AddOrleansTasksFeeds();
        return builder;
    }

    /// <summary>
    /// Joins the cluster named by the <c>Cluster</c> section as a client with the task stream
    /// provider: through PostgreSQL membership when <c>ConnectionStrings:OrleansTasks</c> is set,
    /// else through the local silo's gateway port. For a host that builds its client itself; the
    /// <see cref="ITaskWatcher"/> comes with <see cref="AddOrleansTasksClient(IHostApplicationBuilder)"/>.
    /// </summary>
    /// <param name="client">The Orleans client builder.</param>
    /// <param name="configuration">The configuration with the cluster's keys.</param>
    public static IClientBuilder AddOrleansTasksClient(this IClientBuilder client, IConfiguration configuration) =>
        client.AddOrleansTasksClient(configuration, StorageMode.ClientBudget(configuration), "client");

    /// <summary>As <see cref="AddOrleansTasksClient(IClientBuilder, IConfiguration)"/>, with the process's pools (a client gateway's include uploads).</summary>
    internal static IClientBuilder AddOrleansTasksClient(this IClientBuilder client, IConfiguration configuration, ConnectionBudget? budget, string role)
    {
        ArgumentNullException.ThrowIfNull(client);
        var connection = ClusterConnection.From(configuration);
        if (budget is not null)
        {
            client.Configure<ClusterOptions>(connection.ConfigureIdentity);
            client.UseAdoNetClustering(options =>
            {
                options.Invariant = StorageMode.AdoNetInvariant;
                options.ConnectionString = budget.Membership;
            });

            // Find silos that replaced the ones it knew (a restarted cluster) within seconds.
            client.Configure<GatewayOptions>(options => options.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5));
            client.Services.AddConnectionBudgetReport(configuration, budget, role);
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
