using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OrleansTasks.History;
using OrleansTasks.Indexing;
using OrleansTasks.Testing;
using OrleansTasks.Testing.ClusterFaults;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// The audit the paused-silo round relies on counts every write a task's silo can make: a grain's
/// first state (an INSERT) as well as its updates, task-history rows (also one refused as older,
/// as a statement that changed nothing), documents, result chunks and fences; and only the process that made them.
/// </summary>
public sealed class WriteAuditTests(PostgresServer postgres)
{
    [Fact]
    public async Task Every_write_a_silo_can_make_is_counted_for_the_process_that_made_it()
    {
        postgres.Require();
        var database = await postgres.CreateDatabaseAsync();
        var audit = await WriteAudit.InstallAsync(database);
        var since = await audit.NowAsync();
        await using var zombie = NpgsqlDataSource.Create(WriteAudit.ConnectionFor(database, "zombie"));
        await using var live = NpgsqlDataSource.Create(WriteAudit.ConnectionFor(database, "live"));

        await ExecuteAsync(zombie, """
            INSERT INTO orleans_grain_state (service_id, grain_type_hash, grain_type, grain_id_hash, grain_id_n0, grain_id_n1, payload, version)
            VALUES ('audit', 1, 'indextask', 1, 7, 7, '\x00', 1)
            """);
        await ExecuteAsync(zombie, "UPDATE orleans_grain_state SET version = 2 WHERE grain_id_n0 = 7");
        await ExecuteAsync(zombie, "UPDATE orleans_grain_state SET version = 3 WHERE grain_id_n0 = -1");

        var now = DateTimeOffset.UtcNow;
        var task = new TaskSummary(Guid.NewGuid(), "user:alice", "docs", IndexTaskStatus.Processing, 10, 10, 100, "Indexing 10/100", now, now, null);
        await using (var history = new PostgresTaskHistory(live))
        {
            await history.RecordAsync(task, CancellationToken.None);
        }

        await using (var history = new PostgresTaskHistory(zombie))
        {
            await history.RecordAsync(task with { Current = 20, UpdatedAt = now.AddSeconds(1) }, CancellationToken.None);
            await history.RecordAsync(task with { Current = 5, UpdatedAt = now.AddSeconds(-1) }, CancellationToken.None);
        }

        await ExecuteAsync(zombie, $"INSERT INTO task_result_chunks (task_id, number, fence, payload) VALUES ('{task.TaskId}', 0, 1, '\\x00')");
        await ExecuteAsync(live, $"INSERT INTO task_result_fences (task_id, fence) VALUES ('{task.TaskId}', 5)");
        await ExecuteAsync(zombie, "UPDATE task_result_fences SET fence = 2 WHERE fence < 0");

        await new PostgresDocumentIndex(zombie, NullLogger<PostgresDocumentIndex>.Instance)
            .UpsertAsync("docs", task.TaskId, [new HashedDocument("a.md", null, "text", "hash")], CancellationToken.None);

        // Grain state: 3 statements, 2 rows (the INSERT, one UPDATE); history: 2 statements, 1 row; documents: 1 and 1;
        // result chunks and fences: 2 statements, 1 row.
        Assert.Equal(new AuditCounts(3, 2, 1, 1, 2, 1, 2, 1), await audit.CountAsync("zombie", since));
        Assert.Equal(new AuditCounts(0, 0, 0, 0, 1, 1, 1, 1), await audit.CountAsync("live", since));
    }

    private static async Task ExecuteAsync(NpgsqlDataSource source, string sql)
    {
        await using var command = source.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }
}
