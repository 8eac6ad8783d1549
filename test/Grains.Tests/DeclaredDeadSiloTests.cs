using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OrleansTasks.Hosting;
using OrleansTasks.Testing;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// A silo that the membership table calls dead (woken past its declared death) takes up no stored work:
/// the activation of an unfinished task or batch, or of the admission queue, fails before it writes
/// anything, while an ended task still answers. Real silos on PostgreSQL; only the table's verdict is given (a real one makes Orleans stop
/// the process).
/// </summary>
public sealed class DeclaredDeadSiloTests(PostgresServer postgres)
{
    [Fact]
    public async Task Unfinished_work_activated_on_a_silo_declared_dead_fails_and_changes_no_stored_row()
    {
        var database = await postgres.CreateDatabaseAsync();
        var cluster = "c" + Guid.NewGuid().ToString("N")[..10];
        var waiting = Guid.NewGuid();
        var ended = Guid.NewGuid();
        var batch = Guid.NewGuid();
        await using (var silo = await PostgresSilo.StartAsync(database, cluster))
        {
            await silo.Client.GetGrain<IIndexTaskGrain>(waiting).Start(new StartIndexTask("alice", "later", Documents.Generate(3), RunAt: DateTimeOffset.UtcNow.AddHours(1)));
            await silo.Client.GetGrain<IBatchGrain>(batch).Create(new CreateBatch("alice", [new BatchTaskSpec("after", "chained", Documents.Generate(2), DependsOn: [waiting])]));
            var done = silo.Client.GetGrain<IIndexTaskGrain>(ended);
            await done.Start(new StartIndexTask("alice", "now", Documents.Generate(3)));
            await Eventually.TrueAsync("the second task to complete", async () => (await done.GetSnapshot())!.Status == IndexTaskStatus.Completed);
        }

        var before = await StoredRowsAsync(database);
        await using var dead = await PostgresSilo.StartAsync(database, cluster, configure: silo => silo.Services.AddSingleton<ISiloStanding>(new DeclaredDead()));

        // The waiting task, the unfinished batch and the admission queue (whose first save fences off earlier queues) are each refused.
        List<(string What, Func<Task> Call)> takingUp =
        [
            ("the waiting task", () => dead.Client.GetGrain<IIndexTaskGrain>(waiting).GetSnapshot()),
            ("the unfinished batch", () => dead.Client.GetGrain<IBatchGrain>(batch).GetSnapshot()),
            ("the admission queue", () => dead.Client.GetGrain<Admission.IAdmissionQueueGrain>(0).Position(waiting)),
        ];
        var accepted = new List<string>();
        foreach (var (what, call) in takingUp)
        {
            try
            {
                await call();
                accepted.Add(what);
            }
            catch (Exception refused) when (refused.ToString().Contains("declared dead", StringComparison.Ordinal))
            {
            }
        }

        var answered = await dead.Client.GetGrain<IIndexTaskGrain>(ended).GetSnapshot();

        Assert.True(accepted.Count == 0, $"a silo declared dead took up {string.Join(", ", accepted)}");
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
