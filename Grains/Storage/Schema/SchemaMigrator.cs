using Microsoft.Extensions.Logging;
using Npgsql;

namespace OrleansTasks.Storage.Schema;

/// <summary>
/// Applies the shipped migrations to a PostgreSQL database under an advisory lock, so that
/// silos starting together take turns; each migration runs in its own transaction together with
/// its row in <c>orleans_tasks_schema</c>. Running it again changes nothing, and a database
/// newer than this build is refused rather than touched.
/// </summary>
public sealed partial class SchemaMigrator(ILogger<SchemaMigrator> logger)
{
    // An arbitrary constant shared by every OrleansTasks process: "OTschema".
    private const long AdvisoryLockKey = 0x4F54_7363_6865_6D61;

    private const string CreateVersionTable = """
        CREATE TABLE IF NOT EXISTS orleans_tasks_schema
        (
            version    integer     NOT NULL PRIMARY KEY,
            name       text        NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now()
        )
        """;

    /// <summary>Applies what is missing; returns the versions applied now (empty when up to date).</summary>
    public async Task<IReadOnlyList<int>> MigrateAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await ExecuteAsync(connection, $"SELECT pg_advisory_lock({AdvisoryLockKey})", cancellationToken);
        try
        {
            await ExecuteAsync(connection, CreateVersionTable, cancellationToken);
            var applied = await ReadAppliedAsync(connection, cancellationToken);
            if (applied.Count > 0 && applied.Max() > Migrations.Latest)
            {
                throw new SchemaException(
                    $"the database schema is at version {applied.Max()}, newer than this build ({Migrations.Latest}); migrations only move forward.");
            }

            var done = new List<int>();
            foreach (var migration in Migrations.All.Where(m => !applied.Contains(m.Version)))
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await using (var command = new NpgsqlCommand(migration.Sql, connection, transaction))
                {
                    await command.ExecuteNonQueryAsync(cancellationToken);
                }

                await using (var record = new NpgsqlCommand("INSERT INTO orleans_tasks_schema (version, name) VALUES (@version, @name)", connection, transaction))
                {
                    record.Parameters.AddWithValue("version", migration.Version);
                    record.Parameters.AddWithValue("name", migration.Name);
                    await record.ExecuteNonQueryAsync(cancellationToken);
                }

                await transaction.CommitAsync(cancellationToken);
                Log.Applied(logger, migration.Version, migration.Name);
                done.Add(migration.Version);
            }

            return done;
        }
        finally
        {
            await ExecuteAsync(connection, $"SELECT pg_advisory_unlock({AdvisoryLockKey})", CancellationToken.None);
        }
    }

    /// <summary>The highest applied version, or 0 for a database that was never migrated.</summary>
    public static async Task<int> CurrentVersionAsync(NpgsqlConnection connection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var exists = new NpgsqlCommand("SELECT to_regclass('orleans_tasks_schema') IS NOT NULL", connection);
        if (!(bool)(await exists.ExecuteScalarAsync(cancellationToken))!)
        {
            return 0;
        }

        await using var command = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM orleans_tasks_schema", connection);
        return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task<HashSet<int>> ReadAppliedAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var applied = new HashSet<int>();
        await using var command = new NpgsqlCommand("SELECT version FROM orleans_tasks_schema", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            applied.Add(reader.GetInt32(0));
        }

        return applied;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Applied schema migration {Version} ({Name})")]
        public static partial void Applied(ILogger logger, int version, string name);
    }
}
