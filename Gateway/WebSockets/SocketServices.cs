using Microsoft.Extensions.Options;
using OrleansTasks.Gateway.Auth;

namespace OrleansTasks.Gateway.WebSockets;

/// <summary>What every task socket session needs from the gateway.</summary>
public sealed class TaskSocketServices(
    IGrainFactory grains,
    TaskFeedRegistry feeds,
    TimeProvider time,
    IOptions<AuthOptions> auth,
    IHostApplicationLifetime lifetime,
    ILogger<TaskSocketSession> logger)
{
    public IGrainFactory Grains { get; } = grains;

    public TaskFeedRegistry Feeds { get; } = feeds;

    public TimeProvider Time { get; } = time;

    public bool CloseOnExpiry { get; } = auth.Value.CloseOnExpiry;

    public CancellationToken Stopping { get; } = lifetime.ApplicationStopping;

    public ILogger Logger { get; } = logger;
}
