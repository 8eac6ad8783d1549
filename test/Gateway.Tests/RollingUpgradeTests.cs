using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OrleansTasks.Storage.Schema;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>A rolling upgrade on real processes: silos of the previous build and of this one in one cluster.</summary>
public sealed class RollingUpgradeTests(PostgresServer postgres)
{
    // The README's upgrade step: new silos keep small tasks in chunks while a silo of the previous build runs.
    private static readonly Dictionary<string, string?> Lease = new() { ["Tasks:LeasePeriod"] = "00:00:05", ["Tasks:InlineSmallTasks"] = "false" };

    [Fact]
    public async Task Tasks_complete_while_a_silo_of_the_previous_build_serves_beside_this_one_and_is_then_replaced()
    {
        var previousSilo = await PreviousRelease.SiloAsync();
        var database = await postgres.CreateDatabaseAsync(migrate: false);

        // The README's order: a site of the previous release runs on its own schema; this build's migration comes
        // first, with the old silo still serving; then a silo and a gateway of this build join it.
        await using var cluster = RunningCluster.Create(database);
        var old = cluster.StartSilo(new Dictionary<string, string?>(Lease) { ["Cluster:MigrateOnStart"] = "true" }, previousSilo);
        // Active, not only migrated: a silo checks the schema again after migrating, and would refuse the newer one.
        await Eventually.TrueAsync(async () => await ActiveSilosAsync(database, cluster.ClusterId) == 1, TimeSpan.FromMinutes(2),
            $"the previous release's silo to apply its schema (version {PreviousRelease.SchemaVersion}) and join as active");
        Assert.Equal(PreviousRelease.SchemaVersion, await SchemaVersionAsync(database));
        await new SchemaMigrator(NullLogger<SchemaMigrator>.Instance).MigrateAsync(database);
        cluster.StartSilo(Lease);
        cluster.StartGateway();
        await cluster.WaitForActiveSilosAsync(2);
        using var http = new HttpClient { BaseAddress = cluster.GatewayAddress };
        http.DefaultRequestHeaders.Authorization = new("Bearer", TestTokens.Alice);

        // Tasks land on either build (placement is random): go on until the old silo runs some.
        var tasks = new List<(Guid Id, string Collection, int Documents)>();
        var onOld = 0;
        var smallOnOld = 0;
        for (var i = 0; i < 40 && (onOld == 0 || smallOnOld == 0 || tasks.Count < 6); i++)
        {
            var body = TaskRequests.Body(3000, words: 60);
            var id = await TaskRequests.CreateAsync(http, body);
            tasks.Add((id, body["collection"]!.GetValue<string>(), 3000));
            onOld += await cluster.SiloRunningAsync(id) == old ? 1 : 0;

            var small = TaskRequests.Body(10, words: 20);
            var smallId = await TaskRequests.CreateAsync(http, small);
            tasks.Add((smallId, small["collection"]!.GetValue<string>(), 10));
            smallOnOld += await cluster.SiloRunningAsync(smallId) == old ? 1 : 0;
        }

        // The upgrade step: the old silo stops gracefully and a silo of this build takes its place.
        var exit = await old.TerminateAsync(TimeSpan.FromMinutes(1));
        cluster.StartSilo(Lease);
        var ends = new List<System.Text.Json.JsonElement>();
        foreach (var (id, _, _) in tasks)
        {
            ends.Add(await TaskRequests.WaitForEndAsync(http, id, TimeSpan.FromMinutes(3)));
        }

        Assert.True(onOld > 0, "no task ran on the previous build's silo");
        Assert.True(smallOnOld > 0, "no small task ran on the previous build's silo");
        Assert.Equal(0, exit);
        Assert.All(ends, end => Assert.Equal("completed", end.GetProperty("status").GetString()));
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        foreach (var (_, collection, documents) in tasks)
        {
            await using var command = new NpgsqlCommand("SELECT count(*), max(write_count) FROM documents WHERE collection = @c", connection);
            command.Parameters.AddWithValue("c", collection);
            await using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            Assert.Equal(((long)documents, 1), (reader.GetInt64(0), reader.GetInt32(1)));
        }
    }

    private static async Task<long> ActiveSilosAsync(string database, string clusterId)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM orleans_membership WHERE deployment_id = @cluster AND status = 3", connection);
        command.Parameters.AddWithValue("cluster", clusterId);
        try
        {
            return (long)(await command.ExecuteScalarAsync())!;
        }
        catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return 0;
        }
    }

    private static async Task<int> SchemaVersionAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        return await SchemaMigrator.CurrentVersionAsync(connection, CancellationToken.None);
    }
}
