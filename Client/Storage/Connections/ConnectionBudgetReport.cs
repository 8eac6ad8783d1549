using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace OrleansTasks.Storage.Connections;

/// <summary>
/// Says at start, in one line, how this process's PostgreSQL connections are divided, and warns when
/// they alone can exceed what the server accepts. It cannot see the other processes: the operator
/// keeps silos × their budget + gateways × theirs + migrations and tools within the server's limit.
/// </summary>
internal sealed partial class ConnectionBudgetReport(ConnectionBudget budget, string connectionString, string role, ILogger<ConnectionBudgetReport> logger)
    : BackgroundService
{
    /// <summary>The rule the operator keeps, quoted by the warning.</summary>
    public const string Formula =
        "silos × their Database:MaxConnections + gateways × theirs + migrations and tools + a reserve must stay within the server's max_connections";

    /// <summary>Reads the server's limit once and logs one line.</summary>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        ServerConnectionLimit server;
        try
        {
            await using var connection = new NpgsqlConnection(ConnectionBudget.OneOff(connectionString));
            await connection.OpenAsync(stoppingToken);
            server = await ServerConnectionLimit.ReadAsync(connection, stoppingToken);
        }
        catch (Exception exception) when (exception is NpgsqlException or TimeoutException)
        {
            Log.Unchecked(logger, role, budget.Total, budget.Description, exception.Message);
            return;
        }

        if (budget.Exceeds(server))
        {
            Log.Exceeds(logger, role, budget.Total, budget.Description, server.Available, server.MaxConnections, server.Reserved, Formula);
        }
        else
        {
            Log.Fits(logger, role, budget.Total, budget.Description, server.Available, server.MaxConnections);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information,
            "PostgreSQL connections of this {Role}: at most {Total} ({Pools}); the server accepts {Available} (max_connections {MaxConnections}), shared by every process of the cluster.")]
        public static partial void Fits(ILogger logger, string role, int total, string pools, int available, int maxConnections);

        [LoggerMessage(2, LogLevel.Warning,
            "PostgreSQL connections of this {Role}: at most {Total} ({Pools}), more than the {Available} the server accepts (max_connections {MaxConnections} less {Reserved} reserved): lower Database:MaxConnections; {Formula}.")]
        public static partial void Exceeds(ILogger logger, string role, int total, string pools, int available, int maxConnections, int reserved, string formula);

        [LoggerMessage(3, LogLevel.Warning,
            "PostgreSQL connections of this {Role}: at most {Total} ({Pools}); the server's max_connections could not be read: {Reason}")]
        public static partial void Unchecked(ILogger logger, string role, int total, string pools, string reason);
    }
}
