using System.Diagnostics.Metrics;
using OrleansTasks.Feeds;

namespace OrleansTasks.Gateway.WebSockets;

/// <summary>The gateway's own instruments, on the meter <see cref="MeterName"/>: sockets, subscriptions, and what happened to each event.</summary>
public sealed class GatewayMetrics : IFeedMetrics
{
    public const string MeterName = "OrleansTasks.Gateway";
    public const string SubscriptionsInstrument = "orleans_tasks.gateway.stream_subscriptions";
    public const string ConnectionsInstrument = "orleans_tasks.gateway.websocket_connections";

    private static readonly string[] MessageTypes = ["connected", "progress", "terminal", "pong"];

    // Counted with plain increments and read when metrics are collected: this is on every message's path.
    private readonly long[] _sent = new long[MessageTypes.Length];
    private readonly Meter _meter;
    private readonly Counter<long> _coalesced;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _slowConsumers;
    private readonly Counter<long> _reconciliations;
    private readonly Counter<long> _requestsLimited;
    private long _subscriptions;
    private long _connections;

    public GatewayMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = _meter = meters.Create(MeterName);
        meter.CreateObservableGauge(SubscriptionsInstrument, () => Subscriptions, description: "Task stream subscriptions this gateway holds");
        meter.CreateObservableGauge(ConnectionsInstrument, () => Connections, description: "Open task and batch WebSockets");
        meter.CreateObservableCounter("orleans_tasks.gateway.messages_sent", SentMeasurements, description: "Messages sent on sockets, by type");
        _coalesced = meter.CreateCounter<long>("orleans_tasks.gateway.progress_coalesced", description: "Progress events replaced by a newer one before a slow socket took them");
        _dropped = meter.CreateCounter<long>("orleans_tasks.gateway.events_dropped", description: "Events a socket had already covered (duplicates, or older than its snapshot)");
        _slowConsumers = meter.CreateCounter<long>("orleans_tasks.gateway.slow_consumers", description: "Sockets dropped for taking no message for the send timeout");
        _reconciliations = meter.CreateCounter<long>("orleans_tasks.gateway.reconciliations", description: "Feeds read back from their grain after stream silence or an error");
        _requestsLimited = meter.CreateCounter<long>("orleans_tasks.gateway.requests_limited", description: "REST requests refused with 429 by the rate limits, by limit (user or address)");
    }

    public long Subscriptions => Interlocked.Read(ref _subscriptions);

    public long Connections => Interlocked.Read(ref _connections);

    public void SubscriptionAdded() => Interlocked.Increment(ref _subscriptions);

    public void SubscriptionRemoved() => Interlocked.Decrement(ref _subscriptions);

    public void ConnectionOpened() => Interlocked.Increment(ref _connections);

    public void ConnectionClosed() => Interlocked.Decrement(ref _connections);

    public void MessageSent(SentMessage type) => Interlocked.Increment(ref _sent[(int)type]);

    /// <summary>Publishes the send threads' backlog, once they exist.</summary>
    internal void ObserveSendBacklog(SendThreads threads)
    {
        ArgumentNullException.ThrowIfNull(threads);
        _meter.CreateObservableGauge("orleans_tasks.gateway.send_backlog", () => threads.Backlog, description: "Socket wake-ups waiting for a send thread");
    }

    public void ProgressCoalesced() => _coalesced.Add(1);

    public void EventDropped() => _dropped.Add(1);

    public void SlowConsumer() => _slowConsumers.Add(1);

    public void Reconciled() => _reconciliations.Add(1);

    /// <summary>Counts a REST request refused by the limit named (<c>user</c> or <c>address</c>).</summary>
    public void RequestLimited(string limit) => _requestsLimited.Add(1, new KeyValuePair<string, object?>("limit", limit));

    private IEnumerable<Measurement<long>> SentMeasurements() =>
        MessageTypes.Select((type, index) => new Measurement<long>(Interlocked.Read(ref _sent[index]), new KeyValuePair<string, object?>("type", type)));
}

/// <summary>The kinds of message counted by <c>orleans_tasks.gateway.messages_sent</c>.</summary>
public enum SentMessage
{
    Connected,
    Progress,
    Terminal,
    Pong,
}
