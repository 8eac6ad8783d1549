using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OrleansTasks.Hosting;
using OrleansTasks.Testing;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// A silo that the membership table calls dead (woken past its declared death) takes up no stored task:
/// the activation of an unfinished task fails before it writes anything, while an ended task still
/// answers. Real silos on PostgreSQL; only the table's verdict is given (a real one makes Orleans stop
/// the process).
/// </summary>
public sealed class DeclaredDeadSiloTests(PostgresServer postgres)
{
    [Fact]
    public async Task An_unfinished_task_activated_on_a_silo_declared_dead_fails_and_changes_no_stored_row()
    {
        var database = await postgres.CreateDatabaseAsync();
        var cluster = "c" + Guid.NewGuid().ToString("N")[..10];
        var waiting = Guid.NewGuid();
        var ended = Guid.NewGuid();
        await using (var silo = await PostgresSilo.StartAsync(database, cluster))
        {
            await silo.Client.GetGrain<IIndexTaskGrain>(waiting).Start(new StartIndexTask("alice", "later", Documents.Generate(3), RunAt: DateTimeOffset.UtcNow.AddHours(1)));
            var done = silo.Client.GetGrain<IIndexTaskGrain>(ended);
            await done.Start(new StartIndexTask("alice", "now", Documents.Generate(3)));
            await Eventually.TrueAsync("the second task to complete", async () => (await done.GetSnapshot())!.Status == IndexTaskStatus.Completed);
        }

        var before = await StoredRowsAsync(database);
        await using var dead = await PostgresSilo.StartAsync(database, cluster, configure: silo => silo.Services.AddSingleton<ISiloStanding>(new DeclaredDead()));

        var refused = await Assert.ThrowsAnyAsync<Exception>(() => dead.Client.GetGrain<IIndexTaskGrain>(waiting).GetSnapshot());
        var answered = await dead.Client.GetGrain<IIndexTaskGrain>(ended).GetSnapshot();

        Assert.Contains("declared dead", refused.ToString(), StringComparison.Ordinal);
        Assert.Equal(IndexTaskStatus.Completed, answered!.Status);
        Assert.Equal(before, await StoredRowsAsync(database));
    }

    /// <summary>Every grain's stored version (Orleans' stream pub-sub rows aside) and every task's result fence.</summary>
    private static async Task<string> StoredRowsAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT coalesce((SELECT string_agg(format('%s %s/%s/%s v%s', grain_type, grain_id_n0, grain_id_n1, coalesce(grain_id_extension, ''), version), E'\n' ORDER BY 1)
                             FROM orleans_grain_state WHERE grain_type NOT LIKE '%PubSubRendezvous%'), '')
                || E'\n' || coalesce((SELECT string_agg(format('fence %s %s', task_id, fence), E'\n' ORDER BY 1) FROM task_result_fences), '')
            """, connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private sealed class DeclaredDead : ISiloStanding
    {
        public Task EnsureMemberAsync(CancellationToken cancellationToken) =>
            throw new SiloUnavailableException("This silo was declared dead while it did not answer; it takes up no work and is stopping.");
    }
}
