using System.Diagnostics.Metrics;

namespace OrleansTasks.Gateway.WebSockets;

/// <summary>The gateway's own instruments, on the meter <see cref="MeterName"/>.</summary>
public sealed class GatewayMetrics
{
    public const string MeterName = "OrleansTasks.Gateway";
    public const string SubscriptionsInstrument = "orleans_tasks.gateway.stream_subscriptions";
    public const string ConnectionsInstrument = "orleans_tasks.gateway.websocket_connections";

    private long _subscriptions;
    private long _connections;

    public GatewayMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge(SubscriptionsInstrument, () => Subscriptions, description: "Task stream subscriptions this gateway holds");
        meter.CreateObservableGauge(ConnectionsInstrument, () => Connections, description: "Open task WebSockets");
    }

    public long Subscriptions => Interlocked.Read(ref _subscriptions);

    public long Connections => Interlocked.Read(ref _connections);

    public void SubscriptionAdded() => Interlocked.Increment(ref _subscriptions);

    public void SubscriptionRemoved() => Interlocked.Decrement(ref _subscriptions);

    public void ConnectionOpened() => Interlocked.Increment(ref _connections);

    public void ConnectionClosed() => Interlocked.Decrement(ref _connections);
}
