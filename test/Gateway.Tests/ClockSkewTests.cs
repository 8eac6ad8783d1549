using OrleansTasks.Testing;
using OrleansTasks.Testing.ClusterFaults;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// One silo of three whose wall clock runs two minutes ahead (libfaketime) while schedules fire,
/// watched and timed tasks run and socket tickets are redeemed. See <see cref="ClockSkewShort"/> for
/// what must hold. The longer rounds: <c>dotnet run -c Release --project test/Benchmarks -- faults [rounds] clock</c>.
/// </summary>
[Collection(StormCollection.Name)]
public sealed class ClockSkewTests(PostgresServer postgres)
{
    [Fact]
    public async Task A_silo_two_minutes_ahead_fires_each_occurrence_once_keeps_leases_time_limits_and_tickets()
    {
        SystemDependencies.FakeTime();
        var database = await postgres.CreateDatabaseAsync();

        var outcome = await ClockSkewShort.RunAsync(database, TimeSpan.FromMinutes(2), tasks: 4, documents: 3_000, TimeSpan.FromMinutes(4));

        TestContext.Current.TestOutputHelper?.WriteLine(outcome.ToString());
        TestContext.Current.TestOutputHelper?.WriteLine(string.Join('\n', outcome.Violations));
        Assert.True(outcome.TicketsOnFastSilo >= 3, "two tickets redeemed at once and one late are issued on the fast silo");
        Assert.Empty(outcome.Violations);
    }
}
