using System.Text.Json.Nodes;
using Npgsql;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// A <c>delete_missing</c> removal on real processes, its silo killed (kill -9) in the middle of a
/// removal step: the step's deletions die with it uncommitted, the other silo goes on from the cursor
/// the last committed step stored, and the task counts every removed document exactly once.
/// A trigger holds every removal step after the first committed one inside its transaction, on an advisory
/// lock the test holds, so the kill lands mid-step however fast the steps run.
/// </summary>
public sealed class DeleteMissingFailoverTests(PostgresServer postgres)
{
    private const int Documents = 60_000;

    // The advisory lock the trigger makes a removal step wait on.
    private const int HoldKey = 4242;

    [Fact]
    public async Task Killing_the_silo_in_the_middle_of_a_removal_step_removes_and_counts_each_document_once()
    {
        postgres.Require();
        var database = await postgres.CreateDatabaseAsync();
        var settings = new Dictionary<string, string?> { ["Tasks:LeasePeriod"] = "00:00:05", ["Tasks:CheckpointInterval"] = "00:00:00.200" };
        await using var cluster = await RunningCluster.StartAsync(database, silos: 2, settings, settings);
        await ExecuteAsync(database, $"""
            INSERT INTO documents (collection, document_id, title, content, content_hash, written_by)
            SELECT 'sweep', 'doc-' || lpad(i::text, 6, '0'), NULL, 'word' || i, md5(i::text) || md5(i::text), gen_random_uuid()
            FROM generate_series(1, {Documents}) AS i
            """);
        await ExecuteAsync(database, $"""
            CREATE FUNCTION hold_removal_step() RETURNS trigger LANGUAGE plpgsql AS $body$
            BEGIN
                IF EXISTS (SELECT 1 FROM task_deletions WHERE deleted > 0) THEN
                    PERFORM pg_advisory_xact_lock_shared({HoldKey});
                END IF;
                RETURN NULL;
            END
            $body$;
            CREATE TRIGGER hold_removal_step BEFORE DELETE ON documents FOR EACH STATEMENT EXECUTE FUNCTION hold_removal_step();
            """);
        await using var hold = new NpgsqlConnection(database);
        await hold.OpenAsync();
        await using (var take = new NpgsqlCommand($"SELECT pg_advisory_lock({HoldKey})", hold))
        {
            await take.ExecuteNonQueryAsync();
        }

        using var http = new HttpClient { BaseAddress = cluster.GatewayAddress, Timeout = TimeSpan.FromMinutes(1) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", TestTokens.Admin);
        var upload = await UploadRequests.UploadAsync(http, "{\"id\":\"doc-000001\",\"content\":\"word1\"}\n"u8.ToArray());

        var taskId = await TaskRequests.CreateAsync(http, new JsonObject
        {
            ["collection"] = "sweep",
            ["source"] = new JsonObject { ["upload"] = upload.ToString(), ["delete_missing"] = true },
        });
        var victim = await cluster.SiloRunningAsync(taskId);
        await Eventually.TrueAsync(async () => await ScalarAsync(database, "SELECT coalesce(max(deleted), 0) FROM task_deletions") > 0,
            waitingFor: "the removal's first step to commit", deadline: TimeSpan.FromMinutes(2));

        // The next step's DELETE waits on the held lock, inside the step's transaction; the silo dies there.
        await Eventually.TrueAsync(async () => await ScalarAsync(database, $"SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = {HoldKey} AND NOT granted") > 0,
            waitingFor: "a removal step to wait on the held advisory lock", deadline: TimeSpan.FromMinutes(1));
        var committedBeforeKill = await ScalarAsync(database, "SELECT max(deleted) FROM task_deletions");
        await victim.KillAsync();
        await using (var release = new NpgsqlCommand($"SELECT pg_advisory_unlock({HoldKey})", hold))
        {
            await release.ExecuteNonQueryAsync();
        }

        var task = await TaskRequests.WaitForEndAsync(http, taskId, TimeSpan.FromMinutes(3));

        Assert.True(committedBeforeKill is > 0 and < Documents - 1, $"{committedBeforeKill} removed before the kill");
        Assert.Equal("completed", task.GetProperty("status").GetString());
        Assert.Equal(Documents - 1, task.GetProperty("counts").GetProperty("deleted").GetInt64());
        Assert.Equal(1, await ScalarAsync(database, "SELECT count(*) FROM documents WHERE collection = 'sweep'"));
        await Eventually.TrueAsync(
            async () => await ScalarAsync(database, "SELECT (SELECT count(*) FROM task_seen_documents) + (SELECT count(*) FROM task_deletions)") == 0,
            waitingFor: "the ended task to forget what its pass saw");
    }

    private static async Task ExecuteAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 300 };
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> ScalarAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
