using Npgsql;
using OrleansTasks.Storage.Connections;
using OrleansTasks.Testing;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// A pooled session that stops inside a transaction, as a paused process's does, is ended by the
/// server, so the rows it locked go free for a live process (<see cref="ConnectionBudget.IdleInTransactionSeconds"/>).
/// </summary>
public sealed class IdleTransactionTests(PostgresServer postgres)
{
    [Fact]
    public async Task Pooled_sessions_carry_the_servers_idle_transaction_bound()
    {
        var database = await postgres.CreateDatabaseAsync(migrate: false);
        await using var connection = new NpgsqlConnection(ConnectionBudget.ForSilo(database, 30).Index);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var show = new NpgsqlCommand("SHOW idle_in_transaction_session_timeout", connection);

        Assert.Equal("30s", await show.ExecuteScalarAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task A_session_stopped_inside_a_transaction_is_ended_and_its_locks_go_free()
    {
        var database = await postgres.CreateDatabaseAsync(migrate: false);
        await DatabaseCommands.ExecuteAsync(database, "CREATE TABLE held (id int PRIMARY KEY); INSERT INTO held VALUES (1)");

        // The bound shortened to one second through the operator's own Options, which the budget keeps.
        var pools = ConnectionBudget.ForSilo(database + ";Options=-c idle_in_transaction_session_timeout=1000", 30);
        await using var paused = new NpgsqlConnection(pools.Index);
        await paused.OpenAsync(TestContext.Current.CancellationToken);
        var transaction = await paused.BeginTransactionAsync(TestContext.Current.CancellationToken);
        await using (var lockRow = new NpgsqlCommand("SELECT id FROM held WHERE id = 1 FOR UPDATE", paused, transaction))
        {
            await lockRow.ExecuteScalarAsync(TestContext.Current.CancellationToken);
        }

        // Another session waits for the row; it gets it once the server has ended the idle one, within the statement timeout.
        await using var live = new NpgsqlConnection(database);
        await live.OpenAsync(TestContext.Current.CancellationToken);
        await using var take = new NpgsqlCommand("SELECT id FROM held WHERE id = 1 FOR UPDATE", live) { CommandTimeout = 20 };
        Assert.Equal(1, await take.ExecuteScalarAsync(TestContext.Current.CancellationToken));

        // The stopped side finds its transaction gone when it goes on.
        await using var after = new NpgsqlCommand("DELETE FROM held WHERE id = 1", paused, transaction);
        await Assert.ThrowsAnyAsync<Exception>(() => after.ExecuteNonQueryAsync(TestContext.Current.CancellationToken));
        await using var count = new NpgsqlCommand("SELECT count(*) FROM held", live);
        Assert.Equal(1L, await count.ExecuteScalarAsync(TestContext.Current.CancellationToken));
    }
}
