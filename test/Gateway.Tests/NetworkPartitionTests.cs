using OrleansTasks.Testing;
using OrleansTasks.Testing.Partitions;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// Network partitions under watched tasks on three silo processes, each in a network namespace of
/// its own, behind a client gateway: the silo running the most tasks is cut from the other silos,
/// or from PostgreSQL, or the gateway is cut from it, for 30 s (failure detection declares a silo
/// dead in about 6–10 s; see <c>FastFailureDetection</c>), then the network heals. See
/// <see cref="NetworkPartition"/> for what must hold. The longer rounds:
/// <c>dotnet run -c Release --project test/Benchmarks -- faults [rounds]</c>.
/// </summary>
[Collection(StormCollection.Name)]
public sealed class NetworkPartitionTests(PostgresServer postgres)
{
    private static readonly TimeSpan Cut = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_silo_cut_from_the_other_silos_but_not_from_the_database_leaves_every_task_ending_once()
    {
        var outcome = await RunAsync(PartitionKind.SiloFromSilos);

        Assert.True(outcome.CutSiloStopped, $"the silo cut from its peers was not declared dead and stopped: {outcome}");
    }

    [Fact]
    public async Task A_silo_cut_from_the_database_but_not_from_the_other_silos_leaves_every_task_ending_once()
    {
        await RunAsync(PartitionKind.SiloFromDatabase);
    }

    [Fact]
    public async Task The_gateway_cut_from_a_silo_leaves_every_task_ending_once_and_every_watcher_hearing_it()
    {
        await RunAsync(PartitionKind.GatewayFromSilo);
    }

    private async Task<PartitionOutcome> RunAsync(PartitionKind kind)
    {
        SystemDependencies.NetworkNamespaces();
        var database = await postgres.CreateDatabaseAsync();

        var outcome = await NetworkPartition.RunAsync(database, kind, silos: 3, tasks: 9, documents: 10_000, Cut, TimeSpan.FromMinutes(3));

        TestContext.Current.TestOutputHelper?.WriteLine(outcome.ToString());
        TestContext.Current.TestOutputHelper?.WriteLine(string.Join('\n', outcome.Tasks.Violations));
        Assert.Empty(outcome.Tasks.Violations);
        Assert.Equal(9, outcome.Tasks.Completed);
        return outcome;
    }
}
