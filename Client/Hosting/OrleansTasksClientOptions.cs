using System.ComponentModel.DataAnnotations;

namespace OrleansTasks.Hosting;

/// <summary>
/// The <c>Client</c> section: how a service's client connects and watches. Where the cluster is
/// and how to trust it come from the keys the silos read (<c>ConnectionStrings:OrleansTasks</c>,
/// <c>Cluster:*</c>, <c>Cluster:Tls:*</c>, <c>Streams:Queues</c>).
/// </summary>
public sealed class OrleansTasksClientOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Client";

    /// <summary>
    /// How long the client keeps trying to reach a silo when the host starts; after it, the start
    /// fails with <see cref="ClusterUnavailableException"/>. 30 s by default.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A watched task's stream that reported an error or has been silent this long is read back
    /// from the task's grain, so its terminal snapshot arrives even when the stream lost it. 10 s
    /// by default, as on the gateway.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan StreamSilenceTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Progress snapshots a watcher holds while its consumer is busy; when full, the oldest gives way
    /// (the terminal snapshot never does). 1,024 by default.
    /// </summary>
    [Range(1, 1_000_000)]
    public int WatchQueueLength { get; set; } = 1024;
}
