using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OrleansTasks.Storage.Connections;

namespace OrleansTasks.Hosting;

/// <summary>Where a process keeps its state: PostgreSQL when <c>ConnectionStrings:OrleansTasks</c> is set, else memory.</summary>
internal static class StorageMode
{
    /// <summary>The name under <c>ConnectionStrings</c> of the cluster's PostgreSQL database.</summary>
    public const string ConnectionStringName = "OrleansTasks";

    /// <summary>The ADO.NET invariant of the PostgreSQL provider (Npgsql) the Orleans providers are given.</summary>
    public const string AdoNetInvariant = "Npgsql";

    /// <summary>The cluster database's connection string, or null when it is not set (memory mode).</summary>
    public static string? ConnectionString(IConfiguration configuration) =>
        configuration.GetConnectionString(ConnectionStringName) is { Length: > 0 } value ? value : null;

    /// <summary>A silo's pools sized from <c>Database:MaxConnections</c>, or null in memory mode.</summary>
    public static ConnectionBudget? SiloBudget(IConfiguration configuration) =>
        ConnectionString(configuration) is { } connectionString
            ? ConnectionBudget.ForSilo(connectionString, DatabaseSettings.From(configuration).MaxConnections)
            : null;

    /// <summary>A client's membership pool sized from <c>Database:MaxConnections</c>, or null without a database.</summary>
    public static ConnectionBudget? ClientBudget(IConfiguration configuration) =>
        ConnectionString(configuration) is { } connectionString
            ? ConnectionBudget.ForClient(connectionString, DatabaseSettings.From(configuration).MaxConnections)
            : null;

    /// <summary>A client gateway's membership and uploads pools sized from <c>Database:MaxConnections</c>, or null without a database.</summary>
    public static ConnectionBudget? GatewayBudget(IConfiguration configuration) =>
        ConnectionString(configuration) is { } connectionString
            ? ConnectionBudget.ForGateway(connectionString, DatabaseSettings.From(configuration).MaxConnections)
            : null;

    /// <summary>Logs the budget against the server's <c>max_connections</c> once the host starts.</summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configuration">The configuration holding the connection string.</param>
    /// <param name="budget">This process's pools.</param>
    /// <param name="role">What this process is, for the log line ("silo", "client").</param>
    public static IServiceCollection AddConnectionBudgetReport(this IServiceCollection services, IConfiguration configuration, ConnectionBudget budget, string role) =>
        services.AddHostedService(provider => new ConnectionBudgetReport(
            budget, ConnectionString(configuration)!, role, provider.GetRequiredService<ILogger<ConnectionBudgetReport>>()));
}
