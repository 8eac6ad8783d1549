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
