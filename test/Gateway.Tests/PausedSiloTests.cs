using OrleansTasks.Testing;
using OrleansTasks.Testing.ClusterFaults;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// A silo frozen by SIGSTOP past membership's failure detection (2 s probes, two misses; see
/// <c>FastFailureDetection</c>) while watched tasks run on three silos behind a client gateway; it
/// resumes once its tasks have gone on elsewhere. See <see cref="PausedSilo"/> for what must hold.
/// The longer round: <c>dotnet run -c Release --project test/Benchmarks -- faults [rounds]</c>.
/// </summary>
[Collection(StormCollection.Name)]
public sealed class PausedSiloTests(PostgresServer postgres)
{
    [Fact]
    public async Task A_paused_silo_declared_dead_neither_writes_nor_publishes_when_it_wakes()
    {
        var database = await postgres.CreateDatabaseAsync();

        var outcome = await PausedSilo.RunAsync(database, silos: 3, tasks: 6, documents: 10_000, TimeSpan.FromMinutes(3));

        // The promises broken (with the rows the zombie changed) before its long output, which a log excerpt may cut.
        TestContext.Current.TestOutputHelper?.WriteLine(outcome.ToString());
        TestContext.Current.TestOutputHelper?.WriteLine(string.Join('\n', outcome.Violations));
        TestContext.Current.TestOutputHelper?.WriteLine("the zombie's last output:\n" + outcome.ZombieOutput);
        Assert.True(outcome.Stranded >= 1);
        Assert.Empty(outcome.Violations);
        Assert.Equal(0, outcome.Zombie.Writes);
    }
}
