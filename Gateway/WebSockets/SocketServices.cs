using Microsoft.Extensions.Options;
using OrleansTasks.Gateway.Auth;

namespace OrleansTasks.Gateway.WebSockets;

/// <summary>What every socket session needs from the gateway, whatever it watches.</summary>
public sealed class SocketServices(
    IGrainFactory grains,
    TimeProvider time,
    IOptions<AuthOptions> auth,
    IOptions<Hosting.GatewayOptions> gateway,
    IHostApplicationLifetime lifetime,
    GatewayMetrics metrics,
    SlowConsumerWatch slowConsumers,
    ILoggerFactory loggers) : IDisposable
{
    public GatewayMetrics Metrics { get; } = metrics;

    public IGrainFactory Grains { get; } = grains;

    public TimeProvider Time { get; } = time;

    public bool CloseOnExpiry { get; } = auth.Value.CloseOnExpiry;

    public int ProgressQueueLength { get; } = gateway.Value.ProgressQueueLength;

    public TimeSpan KeepAliveInterval { get; } = gateway.Value.KeepAliveInterval;

    public SlowConsumerWatch SlowConsumers { get; } = slowConsumers;

    public ClientMessageLimiter ClientMessages { get; } = new();

    public CancellationToken Stopping { get; } = lifetime.ApplicationStopping;

    public ILogger Logger { get; } = loggers.CreateLogger("OrleansTasks.Gateway.WebSockets.FeedSocketSession");

    public void Dispose() => ClientMessages.Dispose();
}
