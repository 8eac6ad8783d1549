namespace OrleansTasks.Hosting;

/// <summary>
/// The meter a service's client reports on: <c>orleans_tasks.client.stream_subscriptions</c> (task and
/// batch stream subscriptions held) and <c>orleans_tasks.client.reconciliations</c> (watched streams
/// read back from their grain after an error or silence).
/// </summary>
public static class OrleansTasksClientMeter
{
    /// <summary>The meter's name, to enable in a service's metrics pipeline (<c>AddMeter</c>).</summary>
    public const string Name = "OrleansTasks.Client";
}
