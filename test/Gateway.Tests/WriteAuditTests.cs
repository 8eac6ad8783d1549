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

    /// <summary>
    /// What a partition round holds the silo cut from its peers to: no grain-state row it changes
    /// after another process changed that grain since the cut began. Planted: one such overwrite,
    /// among writes that are not one (its own first, another's after it, another grain type or string
    /// key with the same numbers, another's change before the cut).
    /// </summary>
    [Fact]
    public async Task A_grain_changed_by_the_cut_silo_after_another_changed_it_is_found_and_nothing_else()
    {
        postgres.Require();
        var database = await postgres.CreateDatabaseAsync();
        var audit = await WriteAudit.InstallAsync(database);
        await using var cut = NpgsqlDataSource.Create(WriteAudit.ConnectionFor(database, "cut"));
        await using var live = NpgsqlDataSource.Create(WriteAudit.ConnectionFor(database, "live"));
        await InsertStateAsync(live, "indextask", 9, null);
        var since = await audit.NowAsync();

        await UpdateStateAsync(cut, "indextask", 9, null);
        await InsertStateAsync(cut, "indextask", 1, null);
        await InsertStateAsync(cut, "indextask", 2, null);
        await UpdateStateAsync(live, "indextask", 2, null);
        await InsertStateAsync(live, "batch", 3, null);
        await InsertStateAsync(cut, "indextask", 3, null);
        await InsertStateAsync(live, "schedule", 4, "alice");
        await InsertStateAsync(cut, "schedule", 4, "bob");
        await InsertStateAsync(live, "indextask", 5, null);

        Assert.Empty(await audit.WritesAfterAnotherAsync("cut", since));

        await UpdateStateAsync(live, "indextask", 1, null);
        await UpdateStateAsync(cut, "indextask", 1, null);

        var overwrite = Assert.Single(await audit.WritesAfterAnotherAsync("cut", since));
        Assert.Matches(@"^\S+ cut: UPDATE indextask 1/1 version 2 to 3, after live at \S+: UPDATE indextask 1/1 version 1 to 2$", overwrite);

        // Seen from the other side, live changed grain 2 after the cut silo had: a change after another's, just as planted.
        Assert.Contains(await audit.WritesAfterAnotherAsync("live", since), write => write.Contains("live: UPDATE indextask 2/2", StringComparison.Ordinal));
    }

    [Fact]
    public async Task When_the_membership_table_first_called_a_silo_dead_is_read_by_its_address()
    {
        postgres.Require();
        var database = await postgres.CreateDatabaseAsync();
        var audit = await WriteAudit.InstallAsync(database);
        await using var live = NpgsqlDataSource.Create(WriteAudit.ConnectionFor(database, "live"));
        await ExecuteAsync(live, "INSERT INTO orleans_membership_version (deployment_id) VALUES ('audit')");
        await ExecuteAsync(live, """
            INSERT INTO orleans_membership (deployment_id, address, port, generation, silo_name, host_name, status, start_time, i_am_alive_time)
            VALUES ('audit', '10.1.2.10', 11111, 1, 'a', 'a', 3, now(), now()), ('audit', '10.1.2.11', 11111, 1, 'b', 'b', 3, now(), now())
            """);

        Assert.Null(await audit.DeclaredDeadAsync("10.1.2.10"));

        var before = await audit.NowAsync();
        await ExecuteAsync(live, "UPDATE orleans_membership SET status = 6 WHERE address = '10.1.2.10'");
        var after = await audit.NowAsync();
        await ExecuteAsync(live, "UPDATE orleans_membership SET i_am_alive_time = now() WHERE address = '10.1.2.10'");

        Assert.InRange(await audit.DeclaredDeadAsync("10.1.2.10") ?? DateTime.MinValue, before, after);
        Assert.Null(await audit.DeclaredDeadAsync("10.1.2.11"));
        Assert.Null(await audit.DeclaredDeadAsync("10.1.2.1"));
    }

    /// <summary>A grain's first state row, version 1 (<paramref name="number"/> both halves of its id).</summary>
    private static Task InsertStateAsync(NpgsqlDataSource source, string grainType, int number, string? key) => ExecuteAsync(source, $"""
        INSERT INTO orleans_grain_state (service_id, grain_type_hash, grain_type, grain_id_hash, grain_id_n0, grain_id_n1, grain_id_extension, payload, version)
        VALUES ('audit', 1, '{grainType}', 1, {number}, {number}, {(key is null ? "NULL" : $"'{key}'")}, '\x00', 1)
        """);

    /// <summary>A grain's next version, as an ETag-checked write makes it.</summary>
    private static Task UpdateStateAsync(NpgsqlDataSource source, string grainType, int number, string? key) => ExecuteAsync(source, $"""
        UPDATE orleans_grain_state SET version = version + 1
        WHERE grain_type = '{grainType}' AND grain_id_n0 = {number} AND grain_id_extension IS NOT DISTINCT FROM {(key is null ? "NULL" : $"'{key}'")}
        """);

    private static async Task ExecuteAsync(NpgsqlDataSource source, string sql)
    {
        await using var command = source.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }
}
