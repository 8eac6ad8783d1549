using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using OrleansTasks.Storage.Connections;
using OrleansTasks.Testing;

namespace OrleansTasks.Grains.Tests;

/// <summary>The start-up line against a real server (the shared test server allows 300 connections, 3 kept for superusers).</summary>
public sealed class ConnectionBudgetReportTests(PostgresServer postgres)
{
    private static async Task<FakeLogRecord> ReportAsync(ConnectionBudget budget, string connectionString)
    {
        var logger = new FakeLogger<ConnectionBudgetReport>();
        using var report = new ConnectionBudgetReport(budget, connectionString, "silo", logger);
        await report.StartAsync(TestContext.Current.CancellationToken);
        await Eventually.TrueAsync(() => logger.Collector.Count > 0, TimeSpan.FromSeconds(30), "the budget report's line");
        await report.StopAsync(TestContext.Current.CancellationToken);
        return Assert.Single(logger.Collector.GetSnapshot());
    }

    [Fact]
    public async Task A_budget_within_the_server_is_reported_once_as_information()
    {
        var database = await postgres.CreateDatabaseAsync(migrate: false);

        var line = await ReportAsync(ConnectionBudget.ForSilo(database, 30), database);

        Assert.Equal(LogLevel.Information, line.Level);
        Assert.Equal(
            "PostgreSQL connections of this silo: at most 30 (membership 2, grain storage and reminders 14, index and history 14); " +
            "the server accepts 297 (max_connections 300), shared by every process of the cluster.",
            line.Message);
    }

    [Fact]
    public async Task A_budget_larger_than_the_server_warns_with_the_formula()
    {
        var database = await postgres.CreateDatabaseAsync(migrate: false);

        var line = await ReportAsync(ConnectionBudget.ForSilo(database, 400), database);

        Assert.Equal(LogLevel.Warning, line.Level);
        Assert.StartsWith("PostgreSQL connections of this silo: at most 400 (", line.Message, StringComparison.Ordinal);
        Assert.Contains("more than the 297 the server accepts (max_connections 300 less 3 reserved): lower Database:MaxConnections; ", line.Message, StringComparison.Ordinal);
        Assert.EndsWith(ConnectionBudgetReport.Formula + ".", line.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_server_is_said_in_one_warning_without_stopping_the_start()
    {
        const string nowhere = "Host=127.0.0.1;Port=1;Database=none;Username=app;Password=s3cret;Timeout=2";

        var line = await ReportAsync(ConnectionBudget.ForClient(nowhere, 4), nowhere);

        Assert.Equal(LogLevel.Warning, line.Level);
        Assert.Contains("the server's max_connections could not be read", line.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", line.Message, StringComparison.Ordinal);
    }
}
