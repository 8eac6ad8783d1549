using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OrleansTasks.Storage.Schema;
using OrleansTasks.Testing;

namespace OrleansTasks.Grains.Tests;

public sealed class SchemaMigrationTests(PostgresServer postgres)
{
    private static SchemaMigrator Migrator => new(NullLogger<SchemaMigrator>.Instance);

    [Fact]
    public async Task A_fresh_database_gets_every_migration_and_a_second_run_changes_nothing()
    {
        var database = await postgres.CreateDatabaseAsync(migrate: false);

        var first = await Migrator.MigrateAsync(database);
        var queriesAfterFirst = await QueryKeysAsync(database);
        var second = await Migrator.MigrateAsync(database);

        Assert.Equal(Migrations.All.Select(m => m.Version), first);
        Assert.Empty(second);
        Assert.Equal(queriesAfterFirst, await QueryKeysAsync(database));
        Assert.Superset(new HashSet<string>
        {
            "InsertMembershipVersionKey", "InsertMembershipKey", "UpdateMembershipKey", "UpdateIAmAlivetimeKey", "MembershipReadRowKey",
            "MembershipReadAllKey", "GatewaysQueryKey", "DeleteMembershipTableEntriesKey", "CleanupDefunctSiloEntriesKey", "CleanupDefunctSiloEntryKey",
            "ReadFromStorageKey", "WriteToStorageKey", "ClearStorageKey", "DeleteStorageKey",
            "UpsertReminderRowKey", "ReadReminderRowsKey", "ReadReminderRowKey", "ReadRangeRows1Key", "ReadRangeRows2Key",
            "DeleteReminderRowKey", "DeleteReminderRowsKey",
        }, queriesAfterFirst.ToHashSet());
    }

    [Fact]
    public async Task Migrators_running_at_once_apply_each_migration_exactly_once()
    {
        var database = await postgres.CreateDatabaseAsync(migrate: false);

        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Migrator.MigrateAsync(database)));

        Assert.Equal(Migrations.All.Select(m => m.Version), runs.SelectMany(applied => applied).Order());
        Assert.Equal(Migrations.Latest, await VersionAsync(database));
    }

    [Fact]
    public async Task A_database_newer_than_this_build_is_refused_and_left_alone()
    {
        var database = await postgres.CreateDatabaseAsync();
        await ExecuteAsync(database, "INSERT INTO orleans_tasks_schema (version, name) VALUES (9999, 'from the future')");

        var error = await Assert.ThrowsAsync<SchemaException>(() => Migrator.MigrateAsync(database));

        Assert.Contains("newer than this build", error.Message, StringComparison.Ordinal);
        Assert.Equal(9999, await VersionAsync(database));
    }

    [Fact]
    public async Task An_unmigrated_database_is_reported_in_one_line_naming_the_database_and_the_fix()
    {
        var database = await postgres.CreateDatabaseAsync(migrate: false);
        var name = new NpgsqlConnectionStringBuilder(database).Database;

        var error = await Assert.ThrowsAsync<SchemaException>(() =>
            ClusterDatabase.EnsureReadyAsync(database, migrate: false, NullLoggerFactory.Instance));

        Assert.Contains($"'{name}'", error.Message, StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{postgres.Port}", error.Message, StringComparison.Ordinal);
        Assert.Contains("migrate", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public async Task Migrating_on_start_prepares_an_empty_database()
    {
        var database = await postgres.CreateDatabaseAsync(migrate: false);

        await ClusterDatabase.EnsureReadyAsync(database, migrate: true, NullLoggerFactory.Instance);

        Assert.Equal(Migrations.Latest, await VersionAsync(database));
    }

    [Fact]
    public async Task An_unreachable_server_is_reported_with_host_port_and_database()
    {
        postgres.Require();
        var nowhere = "Host=127.0.0.1;Port=1;Username=postgres;Database=tasks;Timeout=3";

        var error = await Assert.ThrowsAsync<SchemaException>(() =>
            ClusterDatabase.EnsureReadyAsync(nowhere, migrate: false, NullLoggerFactory.Instance));

        Assert.StartsWith("cannot use PostgreSQL database 'tasks' at 127.0.0.1:1", error.Message, StringComparison.Ordinal);
    }

    private static async Task<List<string>> QueryKeysAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT QueryKey FROM OrleansQuery ORDER BY QueryKey", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var keys = new List<string>();
        while (await reader.ReadAsync())
        {
            keys.Add(reader.GetString(0));
        }

        return keys;
    }

    private static async Task<int> VersionAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        return await SchemaMigrator.CurrentVersionAsync(connection);
    }

    private static async Task ExecuteAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
