using Npgsql;

namespace OrleansTasks.Benchmarks.SmallTasks;

/// <summary>What <c>pg_stat_database</c> counts for one database: committed transactions and rows written.</summary>
internal sealed record DatabaseWork(long Commits, long Inserted, long Updated, long Deleted)
{
    /// <summary>
    /// Backends report their counts when a transaction ends, but an idle one only every 10 s or so:
    /// wait that long before the reading that closes a phase.
    /// </summary>
    public static readonly TimeSpan ReportingDelay = TimeSpan.FromSeconds(11);

    /// <summary>How long the backends of closed connections are given to exit (and so report) before the closing reading.</summary>
    public static readonly TimeSpan ExitDelay = TimeSpan.FromSeconds(2);

    public static async Task<DatabaseWork> ReadAsync(string adminConnectionString, string database)
    {
        await using var connection = new NpgsqlConnection(adminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT xact_commit, tup_inserted, tup_updated, tup_deleted FROM pg_stat_database WHERE datname = @database", connection);
        command.Parameters.AddWithValue("database", database);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new DatabaseWork(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
    }

    public DatabaseWork Since(DatabaseWork start) =>
        new(Commits - start.Commits, Inserted - start.Inserted, Updated - start.Updated, Deleted - start.Deleted);
}
