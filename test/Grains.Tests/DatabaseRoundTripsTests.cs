using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OrleansTasks.Storage;
using OrleansTasks.Tasks;
using OrleansTasks.Testing;
using OrleansTasks.Testing.ClusterFaults;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// The database's round trip as the slice sizer is told it, on a real PostgreSQL: slow while a
/// proxy adds latency, quick again once it stops (and quick while this process is starved of
/// processor: <see cref="DatabaseRoundTripsStarvationTests"/>).
/// </summary>
public sealed class DatabaseRoundTripsTests(PostgresServer postgres)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Slow = new TasksOptions().SlowDatabaseRoundTrip;

    [Fact]
    public async Task Added_latency_is_measured_as_a_slow_database_and_its_end_as_a_quick_one()
    {
        await using var proxy = LatencyProxy.Start(postgres.AdminConnectionString);
        await using var database = NpgsqlDataSource.Create(proxy.Through(await postgres.CreateDatabaseAsync(migrate: false)));
        await using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        using var recorded = new MetricCollector<double>(meters, Diagnostics.TaskTelemetry.MeterName, DatabaseRoundTrips.InstrumentName);
        using var roundTrips = new DatabaseRoundTrips(TimeProvider.System, NullLogger<DatabaseRoundTrips>.Instance, database, meters);

        await MeasuredAsync(roundTrips, "a quick round trip before any latency", recent => recent < Slow);

        proxy.SetLatency(TimeSpan.FromMilliseconds(200));
        await MeasuredAsync(roundTrips, "a round trip of 200 ms or more once it was added", recent => recent >= TimeSpan.FromMilliseconds(200));

        proxy.SetLatency(TimeSpan.Zero);
        await MeasuredAsync(roundTrips, "a quick round trip once the latency was taken away", recent => recent < Slow);

        // Each round trip measured is in the silo's metrics (seconds), quick and slow alike.
        var seconds = recorded.GetMeasurementSnapshot().Select(measurement => measurement.Value).ToList();
        Assert.Contains(seconds, value => value < Slow.TotalSeconds);
        Assert.Contains(seconds, value => value >= 0.2);
    }

    [Fact]
    public void Without_a_database_nothing_is_measured()
    {
        using var roundTrips = new DatabaseRoundTrips(TimeProvider.System, NullLogger<DatabaseRoundTrips>.Instance);

        roundTrips.Demand();

        Assert.Null(roundTrips.Recent);
    }

    private static Task MeasuredAsync(DatabaseRoundTrips roundTrips, string waitingFor, Func<TimeSpan, bool> condition) =>
        Eventually.TrueAsync(waitingFor, () =>
        {
            roundTrips.Demand();
            return Task.FromResult(roundTrips.Recent is { } recent && condition(recent));
        }, Deadline);
}
