using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;

namespace OrleansTasks.Benchmarks.SmallTasks;

/// <summary>
/// The Hangfire peer's settings, the same in its server process and in the scenario's clients:
/// Hangfire 1.8's recommended serializer settings, PostgreSQL storage polling its queue every 50 ms,
/// ten workers. Everything else is left at Hangfire's defaults (including its automatic retries).
/// </summary>
internal static class HangfirePeer
{
    public const int Workers = 10;
    public static readonly TimeSpan QueuePollInterval = TimeSpan.FromMilliseconds(50);

    public static void ConfigureSerialization() => GlobalConfiguration.Configuration
        .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
        .UseSimpleAssemblyNameTypeSerializer()
        .UseRecommendedSerializerSettings();

    /// <summary>The storage over the peer's database; creates Hangfire's schema there when it is missing.</summary>
    public static PostgreSqlStorage Storage(string connectionString)
    {
        var options = new PostgreSqlStorageOptions { QueuePollInterval = QueuePollInterval, PrepareSchemaIfNecessary = true };
        return new PostgreSqlStorage(new NpgsqlConnectionFactory(connectionString, options), options);
    }
}
