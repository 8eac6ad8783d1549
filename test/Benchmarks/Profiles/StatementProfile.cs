using System.Globalization;
using Npgsql;
using OrleansTasks.Testing;

namespace OrleansTasks.Benchmarks.Profiles;

/// <summary>
/// What each statement cost the server, from <c>pg_stat_statements</c>: loaded into a benchmark's own
/// server before it runs, reset where a measured phase starts, and printed per unit of work (a
/// document, a task) for one database when the phase ends.
/// </summary>
internal static class StatementProfile
{
    private const string StatementsSql = """
        SELECT calls, total_exec_time, rows, regexp_replace(query, '\s+', ' ', 'g')
        FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
        WHERE d.datname = @database
        ORDER BY total_exec_time DESC
        LIMIT @limit
        """;

    /// <summary>Restarts the server with <c>pg_stat_statements</c> loaded and creates the extension.</summary>
    public static async Task EnableAsync(PostgresServer postgres)
    {
        await postgres.ExecuteAsAdminAsync("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'");
        await postgres.StopAsync();
        await postgres.StartAsync();
        await postgres.ExecuteAsAdminAsync("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
    }

    /// <summary>Forgets what every statement cost so far (a warm-up's work, an earlier phase's).</summary>
    public static Task ResetAsync(PostgresServer postgres) => postgres.ExecuteAsAdminAsync("SELECT pg_stat_statements_reset()");

    /// <summary>Prints the <paramref name="limit"/> costliest statements on <paramref name="connectionString"/>'s database, per <paramref name="unit"/>.</summary>
    public static async Task PrintAsync(PostgresServer postgres, string what, string connectionString, int units, string unit, int limit = 12)
    {
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database;
        await using var connection = new NpgsqlConnection(postgres.AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(StatementsSql, connection);
        command.Parameters.AddWithValue("database", database!);
        command.Parameters.AddWithValue("limit", (long)limit);
        Console.WriteLine($"{what}: | statement | calls | calls/{unit} | total ms | ms/{unit} | ms/call | rows |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var query = reader.GetString(3);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {query[..Math.Min(query.Length, 110)]} | {reader.GetInt64(0)} | {(double)reader.GetInt64(0) / units:F2} | {reader.GetDouble(1):F0} | {reader.GetDouble(1) / units:F3} | {reader.GetDouble(1) / Math.Max(1, reader.GetInt64(0)):F3} | {reader.GetInt64(2)} |"));
        }
    }

    /// <summary>
    /// Prints how often each grain type's state rows were written, from their versions (one a write), per
    /// <paramref name="unit"/> over <paramref name="units"/>: the rows' whole lives, warm-up included, and
    /// without the rows cleared since.
    /// </summary>
    public static async Task PrintGrainWritesAsync(string connectionString, int units, string unit)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT grain_type, count(*), sum(version) FROM orleans_grain_state GROUP BY grain_type ORDER BY sum(version) DESC", connection);
        Console.WriteLine($"| grain type | rows | writes | writes/{unit} |");
        Console.WriteLine("|---|---:|---:|---:|");
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {reader.GetString(0)} | {reader.GetInt64(1)} | {reader.GetInt64(2)} | {(double)reader.GetInt64(2) / units:F2} |"));
        }
    }
}
