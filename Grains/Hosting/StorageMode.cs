using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OrleansTasks.Storage.Connections;
using OrleansTasks.Storage.Schema;

namespace OrleansTasks.Hosting;

/// <summary>Where a process keeps its state: PostgreSQL when <c>ConnectionStrings:OrleansTasks</c> is set, else memory.</summary>
public static class StorageMode
{
    public const string AdoNetInvariant = "Npgsql";

    public static string? ConnectionString(IConfiguration configuration) =>
        configuration.GetConnectionString(ClusterDatabase.ConnectionStringName) is { Length: > 0 } value ? value : null;

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

    /// <summary>Logs the budget against the server's <c>max_connections</c> once the host starts.</summary>
    public static IServiceCollection AddConnectionBudgetReport(this IServiceCollection services, IConfiguration configuration, ConnectionBudget budget, string role) =>
        services.AddHostedService(provider => new ConnectionBudgetReport(
            budget, ConnectionString(configuration)!, role, provider.GetRequiredService<ILogger<ConnectionBudgetReport>>()));
}
