using Npgsql;

namespace OrleansTasks.Benchmarks.SmallTasks;

/// <summary>
/// A side's connection string with the pool settings a deployment has, Npgsql's defaults, in place of
/// the test server's (idle connections closed after 5 s, for a whole test run's many short pools):
/// under this benchmark those made pools close and reopen connections all along, and each new
/// PostgreSQL backend's start was charged to the side.
/// </summary>
internal static class DeployedPools
{
    private static readonly NpgsqlConnectionStringBuilder Defaults = new();

    public static string Of(string database) => new NpgsqlConnectionStringBuilder(database)
    {
        ConnectionIdleLifetime = Defaults.ConnectionIdleLifetime,
        ConnectionPruningInterval = Defaults.ConnectionPruningInterval,
    }.ConnectionString;
}
