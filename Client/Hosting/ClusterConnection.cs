using Microsoft.Extensions.Configuration;
using Orleans.Configuration;

namespace OrleansTasks.Hosting;

/// <summary>
/// What every silo and client of one deployment must agree on to find and trust each other: the
/// cluster's name and ports, mutual TLS, and the task stream provider's queue count (membership is
/// kept in PostgreSQL when <c>ConnectionStrings:OrleansTasks</c> is set, through the pool
/// <see cref="StorageMode"/> sizes, else found on this host's loopback). Read and checked once; the silo and client
/// hosting extensions apply it to their builders. It takes only option types silos and clients
/// share, never an <c>ISiloBuilder</c>, so a client-only package can carry it.
/// </summary>
internal sealed class ClusterConnection
{
    private readonly int _streamQueues;

    private ClusterConnection(ClusterSettings cluster, ClusterTls? tls, int streamQueues)
    {
        Cluster = cluster;
        Tls = tls;
        _streamQueues = streamQueues;
    }

    /// <summary>The cluster's name, ports and address.</summary>
    public ClusterSettings Cluster { get; }

    /// <summary>Mutual TLS on the cluster network, or null when it is off.</summary>
    public ClusterTls? Tls { get; }

    /// <summary>Reads the <c>Cluster</c>, <c>Cluster:Tls</c> and <c>Streams</c> sections; a bad value throws <see cref="StartupException"/>.</summary>
    public static ClusterConnection From(IConfiguration configuration) => new(
        ClusterSettings.From(configuration),
        ClusterTls.From(configuration),
        TaskStreamQueues.From(configuration).Queues);

    /// <summary>Names the cluster and service every silo and client of one deployment shares.</summary>
    public void ConfigureIdentity(ClusterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ClusterId = Cluster.ClusterId;
        options.ServiceId = Cluster.ServiceId;
    }

    /// <summary>The task stream provider's queues: silos and clients map streams to queues alike only with the same count.</summary>
    public void ConfigureTaskStreams(IMemoryStreamConfigurator provider) => provider.ConfigurePartitioning(_streamQueues);
}
