using System.ComponentModel.DataAnnotations;

namespace OrleansTasks.Gateway.Hosting;

/// <summary>The <c>Gateway</c> configuration section.</summary>
public sealed class GatewayOptions : IValidatableObject
{
    public const string SectionName = "Gateway";

    public GatewayMode Mode { get; set; } = GatewayMode.Embedded;

    /// <summary>Origins allowed on WebSocket handshakes besides the gateway's own.</summary>
    public List<string> AllowedOrigins { get; set; } = [];

    [Range(1, 100_000)]
    public int MaxConnectionsPerUser { get; set; } = 50;

    /// <summary>Open sockets this gateway holds at most; further upgrades are answered 503. Below the process's descriptor limit.</summary>
    [Range(1, 1_000_000)]
    public int MaxConnections { get; set; } = 18_000;

    /// <summary>
    /// Progress messages queued for one socket that has not taken the previous ones yet; when full,
    /// the oldest is dropped (coalescing). The queue holds references to messages every socket
    /// shares, so its length costs little memory; a short burst passes unchanged, a lagging socket
    /// skips ahead. One means the latest always wins.
    /// </summary>
    [Range(1, 1024)]
    public int ProgressQueueLength { get; set; } = 16;

    /// <summary>
    /// Threads of the gateway's own that run the sends to sockets, apart from the thread pool where
    /// Orleans runs; by default one per processor.
    /// </summary>
    [Range(1, 256)]
    public int SendThreads { get; set; } = Environment.ProcessorCount;

    /// <summary>Addresses of reverse proxies whose X-Forwarded-* headers are believed, besides loopback.</summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>REST requests per second a signed-in user may make on average (a token bucket).</summary>
    [Range(1, 1_000_000)]
    public int RequestsPerSecond { get; set; } = 20;

    /// <summary>REST requests a signed-in user may make at once above the average.</summary>
    [Range(1, 1_000_000)]
    public int RequestBurst { get; set; } = 100;

    /// <summary>REST requests per minute from one address without a token (the token endpoint above all).</summary>
    [Range(1, 1_000_000)]
    public int AnonymousRequestsPerMinute { get; set; } = 60;

    /// <summary>A watched task's stream silent this long (or failed) is reconciled against the task's grain.</summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "00:10:00")]
    public TimeSpan StreamSilenceTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the gateway pings each socket (WebSocket ping frames, answered by the client's WebSocket stack).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// A client that cannot take messages this long — a ping unanswered, or a send that cannot
    /// complete — is a slow consumer and is closed with 1013. Below the 30 s after which an
    /// unanswered ping drops the connection.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:00:25")]
    public TimeSpan SlowConsumerTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        KnownProxies.Where(proxy => !System.Net.IPAddress.TryParse(proxy, out _))
            .Select(proxy => new ValidationResult($"'{proxy}' is not an IP address.", [nameof(KnownProxies)]));
}
