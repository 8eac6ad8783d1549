using System.Diagnostics.Metrics;
using OrleansTasks.Hosting;

namespace OrleansTasks.Feeds;

/// <summary>A service's feed instruments, on the meter <see cref="MeterName"/>: stream subscriptions held and reconciliations.</summary>
internal sealed class ClientFeedMetrics : IFeedMetrics
{
    /// <summary>The meter's name, <see cref="OrleansTasksClientMeter.Name"/>.</summary>
    public const string MeterName = OrleansTasksClientMeter.Name;

    private readonly Counter<long> _reconciliations;
    private long _subscriptions;

    /// <summary>Creates the instruments on a meter from <paramref name="meters"/>.</summary>
    public ClientFeedMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("orleans_tasks.client.stream_subscriptions", () => Subscriptions, description: "Task and batch stream subscriptions this process holds");
        _reconciliations = meter.CreateCounter<long>("orleans_tasks.client.reconciliations", description: "Feeds read back from their grain after stream silence or an error");
    }

    /// <summary>The stream subscriptions held now: one per watched task or batch.</summary>
    public long Subscriptions => Interlocked.Read(ref _subscriptions);

    /// <inheritdoc/>
    public void SubscriptionAdded() => Interlocked.Increment(ref _subscriptions);

    /// <inheritdoc/>
    public void SubscriptionRemoved() => Interlocked.Decrement(ref _subscriptions);

    /// <inheritdoc/>
    public void Reconciled() => _reconciliations.Add(1);
}
