using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>Uploads in PostgreSQL (cluster mode's store) over real HTTP: indexed by a task, refused over the limit without a row left, purged by retention.</summary>
public sealed class UploadPostgresTests(PostgresServer postgres)
{
    [Fact]
    public async Task An_upload_in_postgres_is_indexed_by_a_task_refused_whole_over_the_limit_and_purged_with_its_task()
    {
        postgres.Require();
        var database = await postgres.CreateDatabaseAsync();
        await using var gateway = new GatewayFactory(new Dictionary<string, string?>
        {
            ["ConnectionStrings:OrleansTasks"] = database,
            ["Tasks:MaxUploadBytes"] = (3 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        var body = UploadApiTests.Body(6_000, out var good);

        var uploadId = await UploadRequests.UploadAsync(alice, body);
        var stored = await RowsAsync(database);
        var taskId = await TaskRequests.CreateAsync(alice, new JsonObject { ["collection"] = "pg-uploads", ["source"] = new JsonObject { ["upload"] = uploadId.ToString() } });
        var task = await TaskRequests.WaitForEndAsync(alice, taskId, TimeSpan.FromMinutes(2));
        var (tooLarge, _) = await UploadRequests.SendAsync(alice, UploadApiTests.Body(10_000, out _));
        var afterRefusal = await RowsAsync(database);
        await gateway.Services.GetRequiredService<IGrainFactory>().GetGrain<IRetentionGrain>(0).PurgeEndedBefore(DateTimeOffset.UtcNow.AddMinutes(1));

        var chunks = (body.Length + (1024 * 1024) - 1) / (1024 * 1024);
        Assert.True(chunks > 1, "the body spans chunks");
        Assert.Equal((1, chunks, 0), stored);
        Assert.Equal("completed", task.GetProperty("status").GetString());
        Assert.Equal(good + 1, task.GetProperty("total").GetInt32());
        Assert.Equal(good, task.GetProperty("counts").GetProperty("indexed").GetInt32());
        Assert.Equal(1, task.GetProperty("counts").GetProperty("failed").GetInt32());
        Assert.Equal(good, await ScalarAsync(database, "SELECT count(*) FROM documents WHERE collection = 'pg-uploads'"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge);
        Assert.Equal((1, chunks, 1), afterRefusal);
        Assert.Equal((0, 0, 0), await RowsAsync(database));
    }

    [Fact]
    public async Task A_task_with_delete_missing_in_postgres_removes_what_its_upload_no_longer_holds_and_forgets_what_it_saw()
    {
        postgres.Require();
        var database = await postgres.CreateDatabaseAsync();
        await using var gateway = new GatewayFactory(new Dictionary<string, string?> { ["ConnectionStrings:OrleansTasks"] = database });
        using var admin = gateway.CreateHttpClient(TestTokens.Admin);

        var (task, remaining) = await UploadApiTests.DeleteMissingRoundAsync(admin);

        Assert.Equal("completed", task.GetProperty("status").GetString());
        Assert.Equal(2, task.GetProperty("counts").GetProperty("deleted").GetInt64());
        Assert.Equal(["up-0", "up-1", "up-2", "up-3", "up-4", "up-5", "up-6", "up-8"], remaining);
        await Eventually.TrueAsync(
            async () => await ScalarAsync(database, SeenRowsSql) == 0,
            waitingFor: "the ended task to forget the ids its pass saw and its removal's cursor");
    }

    [Fact]
    public async Task A_cancelled_delete_missing_task_removes_nothing_and_leaves_no_seen_ids_behind()
    {
        postgres.Require();
        var database = await postgres.CreateDatabaseAsync();
        await using var gateway = new GatewayFactory(new Dictionary<string, string?> { ["ConnectionStrings:OrleansTasks"] = database });
        using var admin = gateway.CreateHttpClient(TestTokens.Admin);
        var collection = "cancelled-sync";
        await UploadApiTests.IndexUploadAsync(admin, collection, UploadApiTests.DeleteMissingBody(0, 3), deleteMissing: false);
        var upload = await UploadRequests.UploadAsync(admin, UploadApiTests.DeleteMissingBody(10, 20_000));

        // The first slice records what it read, then waits on the held table until the cancel is on its way:
        // a cancel reaches the task long before it could have read 20,000 documents.
        await using var hold = await DocumentWriteHold.TakeAsync(database);
        var taskId = await TaskRequests.CreateAsync(admin, new JsonObject
        {
            ["collection"] = collection,
            ["source"] = new JsonObject { ["upload"] = upload.ToString(), ["delete_missing"] = true },
        });
        await Eventually.TrueAsync(async () => await ScalarAsync(database, SeenRowsSql) > 0, waitingFor: "the task's first slice to record the ids it read");
        var cancel = admin.PostAsync($"/api/tasks/{taskId}/cancel", null);
        await hold.ReleaseAsync();
        using var cancelled = await cancel;
        var task = await TaskRequests.WaitForEndAsync(admin, taskId, TimeSpan.FromMinutes(1));

        Assert.Equal(HttpStatusCode.Accepted, cancelled.StatusCode);
        Assert.Equal("cancelled", task.GetProperty("status").GetString());
        Assert.Equal(0, task.GetProperty("counts").GetProperty("deleted").GetInt64());
        Assert.Equal(3, await ScalarAsync(database, $"SELECT count(*) FROM documents WHERE collection = '{collection}' AND document_id IN ('up-0', 'up-1', 'up-2')"));
        await Eventually.TrueAsync(
            async () => await ScalarAsync(database, SeenRowsSql) == 0,
            waitingFor: "the cancelled task to forget the ids its pass saw");
    }

    private const string SeenRowsSql = "SELECT (SELECT count(*) FROM task_seen_documents) + (SELECT count(*) FROM task_deletions)";

    /// <summary>Rows of uploads, of their chunks, and of the tasks reading them.</summary>
    private static async Task<(long Uploads, long Chunks, long Readers)> RowsAsync(string database) => (
        await ScalarAsync(database, "SELECT count(*) FROM uploads"),
        await ScalarAsync(database, "SELECT count(*) FROM upload_chunks"),
        await ScalarAsync(database, "SELECT count(*) FROM upload_tasks"));

    private static async Task<long> ScalarAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
