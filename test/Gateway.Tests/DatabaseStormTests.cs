using System.Diagnostics;
using Npgsql;
using OrleansTasks.Testing;
using OrleansTasks.Testing.Storm;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// Every connection to PostgreSQL is terminated every 0.7 s for 25 s while batches, chains,
/// schedules, cancels and watched tasks run on two silos behind a client gateway: what a database
/// failover looks like to a cluster. Once it stops, every watcher still hears its end exactly once
/// (reconnecting after a documented close), that end is the one stored, everything ends once as it
/// should, and nothing is indexed or run twice.
/// The longer round: <c>dotnet run -c Release --project test/Benchmarks -- storm [rounds]</c>.
/// </summary>
[Collection(StormCollection.Name)]
public sealed class DatabaseStormTests(PostgresServer postgres)
{
    [Fact]
    public async Task A_storm_of_terminated_database_connections_loses_and_doubles_nothing()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await RunningCluster.StartAsync(database, silos: 2, StormSettings.Cluster);
        var name = new NpgsqlConnectionStringBuilder(database).Database!;

        var workload = new StormWorkload(cluster.GatewayAddress, TestTokens.Alice, database);
        Task run;
        long terminated;
        await using (var storm = ConnectionStorm.Start(postgres.AdminConnectionString, name, StormSettings.Every))
        {
            // The storm lasts its stated time, not until the work is done: what was sent during it
            // must then converge, each request, schedule and watcher within the workload's deadline.
            run = workload.RunAsync(StormSettings.Duration);
            await Task.Delay(StormSettings.Duration);
            await storm.StopAsync();
            terminated = storm.Terminated;
        }

        var stopped = Stopwatch.GetTimestamp();
        await run;
        var converged = Stopwatch.GetElapsedTime(stopped);

        var report = await workload.CheckAsync();
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{report.Watchers} watchers, {report.Reconnects} reconnects, {report.RefusedHandshakes} refused handshakes, " +
            $"{terminated} connections terminated, {report.RetriedRequests} requests retried ({report.ServerErrors} answered 5xx), " +
            $"converged {converged.TotalSeconds:F1} s after the storm stopped");

        Assert.True(terminated >= 20, $"the storm terminated only {terminated} connections");
        Assert.True(report.Watchers >= 40, $"only {report.Watchers} watchers ran");
        Assert.Empty(report.Violations);
    }
}

/// <summary>The storm loads both cores for a minute: it runs alone, after the tests that may run side by side.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class StormCollection
{
    public const string Name = "storm";
}
