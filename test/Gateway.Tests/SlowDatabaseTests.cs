using OrleansTasks.Testing;
using OrleansTasks.Testing.ClusterFaults;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// A database that gets slow rather than dies, under watched tasks on two silo processes and a
/// client gateway: 200 ms then 1 s of added latency (a delaying proxy on loopback), and every
/// connection the server allows taken by another client. See
/// <see cref="SlowDatabase"/> for what must hold. The longer rounds:
/// <c>dotnet run -c Release --project test/Benchmarks -- faults [rounds]</c>.
/// </summary>
[Collection(StormCollection.Name)]
public sealed class SlowDatabaseTests(PostgresServer postgres)
{
    [Fact]
    public async Task Added_latency_slows_tasks_but_fails_and_doubles_nothing()
    {
        var outcome = await SlowDatabase.LatencyAsync(postgres, silos: 2, tasks: 4, documents: 10_000, TimeSpan.FromSeconds(20), TimeSpan.FromMinutes(3));

        TestContext.Current.TestOutputHelper?.WriteLine(outcome.ToString());
        TestContext.Current.TestOutputHelper?.WriteLine(string.Join('\n', outcome.Tasks.Violations));
        Assert.Empty(outcome.Tasks.Violations);
        Assert.Equal(4, outcome.Tasks.Completed);
        Assert.True(outcome.Rates[2].DocumentsPerSecond < outcome.Rates[0].DocumentsPerSecond, $"1 s of latency did not slow the tasks: {outcome}");
    }

    [Fact]
    public async Task Another_client_taking_every_connection_makes_tasks_wait_and_say_so_and_then_complete_once()
    {
        // Eight tasks, four running at a time (two per silo).
        var outcome = await SlowDatabase.ConnectionsAsync(silos: 2, tasks: 8, documents: 10_000, TimeSpan.FromSeconds(20), TimeSpan.FromMinutes(3));

        TestContext.Current.TestOutputHelper?.WriteLine(outcome.ToString());
        TestContext.Current.TestOutputHelper?.WriteLine(string.Join('\n', outcome.Tasks.Violations));
        Assert.Empty(outcome.Tasks.Violations);
        Assert.Equal(8, outcome.Tasks.Completed);
        Assert.True(outcome.TasksReportingWaiting >= 1, $"no task said it waited for the database: {outcome}");
    }
}
