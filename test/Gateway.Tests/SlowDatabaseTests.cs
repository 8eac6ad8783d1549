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
    private static readonly TimeSpan Slow = new Tasks.TasksOptions().SlowDatabaseRoundTrip;

    /// <summary>The floors and what tasks must say: <see cref="LatencyFloors"/>, shared with the faults program.</summary>
    [Fact]
    public async Task Added_latency_slows_tasks_but_fails_and_doubles_nothing()
    {
        // Eight tasks, four running at a time: slices grown for a slow database index hundreds of
        // documents a second at 200 ms, and four tasks alone had all ended before the 1 s step.
        var outcome = await SlowDatabase.LatencyAsync(postgres, silos: 2, tasks: 8, documents: 10_000, TimeSpan.FromSeconds(20), TimeSpan.FromMinutes(4));

        TestContext.Current.TestOutputHelper?.WriteLine(outcome.ToString());
        TestContext.Current.TestOutputHelper?.WriteLine(string.Join('\n', outcome.Tasks.Violations));
        Assert.Empty(outcome.Tasks.Violations);
        Assert.Equal(8, outcome.Tasks.Completed);
        Assert.Empty(LatencyFloors.Shortfalls(outcome));
    }

    /// <summary>
    /// The case an earlier sizer mistook for a slow database: silos starved of processor (0.15
    /// of one each: a quarter no longer halved their rate once idle workers stopped spinning) on a quick database make slices slow too, and must neither grow them nor say so.
    /// That no task says so proves something only if the silos measured the database meanwhile:
    /// their round-trip histograms (<c>/metrics</c>) must show quick round trips taken while starved.
    /// </summary>
    [Fact]
    public async Task Silos_starved_of_processor_on_a_quick_database_never_say_it_is_slow()
    {
        SystemDependencies.CpuQuota();
        // Twelve tasks, most of them queued behind those that run at once (Tasks:MaxRunningPerSilo), so that work is left when the quota begins.
        var outcome = await SlowDatabase.StarvedAsync(postgres, silos: 2, tasks: 12, documents: 10_000, processors: 0.15, Slow, TimeSpan.FromSeconds(20), TimeSpan.FromMinutes(4));

        TestContext.Current.TestOutputHelper?.WriteLine(outcome.ToString());
        TestContext.Current.TestOutputHelper?.WriteLine(string.Join('\n', outcome.Tasks.Violations));
        Assert.Empty(outcome.Tasks.Violations);
        Assert.Equal(12, outcome.Tasks.Completed);
        var (none, starved) = (outcome.Rates[0], outcome.Rates[1]);
        Assert.True(starved.DocumentsPerSecond < none.DocumentsPerSecond / 2, $"the quota did not starve the silos: {outcome}");
        Assert.True(none.TasksSayingSlow == 0 && starved.TasksSayingSlow == 0, $"a task said its quick database was slow: {outcome}");
        // Two, as the sizer needs two fresh round trips to judge: fewer, and it was never told the database was quick.
        Assert.True(outcome.Probed is { Count: >= 2, Quick: >= 2 }, $"the silos did not measure quick round trips while starved: {outcome}");
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
