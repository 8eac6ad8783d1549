using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using OrleansTasks.Storage.Connections;
using OrleansTasks.Storage.Schema;

namespace OrleansTasks.Hosting;

/// <summary>
/// What a silo or gateway checks before it starts in cluster mode: the database answers and has
/// this build's schema (applied first when <c>Cluster:MigrateOnStart</c> is true).
/// Throws <see cref="SchemaException"/> whose message is the one line to show.
/// </summary>
public static class ClusterDatabaseCheck
{
    public static async Task RunAsync(IConfiguration configuration, ILoggerFactory loggers, bool mayMigrate, CancellationToken cancellationToken = default)
    {
        if (StorageMode.ConnectionString(configuration) is not { } connectionString)
        {
            return;
        }

        var migrate = mayMigrate && ClusterSettings.From(configuration).MigrateOnStart;
        // Unpooled: the check's connection closes for good instead of idling outside the process's budget.
        await ClusterDatabase.EnsureReadyAsync(ConnectionBudget.OneOff(connectionString), migrate, loggers, cancellationToken);
    }
}
