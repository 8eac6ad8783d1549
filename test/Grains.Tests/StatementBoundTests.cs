using System.Diagnostics;
using Npgsql;
using OrleansTasks.Storage.Connections;
using OrleansTasks.Storage.Faults;
using OrleansTasks.Testing;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// A statement on a pooled connection gives up after the budget's bound, not Npgsql's 30 s
/// default: a storage call whose server does not answer must fail with the task store's 503
/// inside Orleans' 30 s response timeout, and its connection must serve the next call.
/// </summary>
public sealed class StatementBoundTests(PostgresServer postgres)
{
    [Fact]
    public async Task A_statement_the_server_does_not_answer_in_time_fails_as_unavailable_after_the_bound()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var source = NpgsqlDataSource.Create(ConnectionBudget.ForSilo(database, ConnectionBudget.SiloMinimum).Storage!);
        var bound = TimeSpan.FromSeconds(ConnectionBudget.StatementWaitSeconds);

        var clock = Stopwatch.StartNew();
        await using (var command = source.CreateCommand("SELECT pg_sleep(25)"))
        {
            var failure = await Assert.ThrowsAsync<NpgsqlException>(() => command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken));
            var waited = clock.Elapsed;

            Assert.IsType<TimeoutException>(failure.InnerException);
            Assert.IsType<StorageUnavailableException>(StorageFaults.Translate(failure));
            // The bound, then a cancellation the server answers at once (up to 2 s to read its answer).
            Assert.True(waited >= bound - TimeSpan.FromSeconds(0.5) && waited < bound + TimeSpan.FromSeconds(4),
                $"the statement gave up after {waited.TotalSeconds:F1} s, not about {bound.TotalSeconds:F0} s");
        }

        await using var next = source.CreateCommand("SELECT 1");
        Assert.Equal(1, Assert.IsType<int>(await next.ExecuteScalarAsync(TestContext.Current.CancellationToken)));
    }
}
