using Npgsql;
using OrleansTasks.History;
using OrleansTasks.Storage.Schema;
using OrleansTasks.Testing;

namespace OrleansTasks.Grains.Tests;

/// <summary>The priority on list rows in PostgreSQL (migration 9), and rows written without it reading as normal.</summary>
public sealed class PostgresHistoryPriorityTests(PostgresServer postgres)
{
    private const int PriorityMigration = 9;

    private static TaskSummary Row(Guid taskId, string owner) =>
        new(taskId, owner, "rows", IndexTaskStatus.Pending, 0, 0, 10, "Queued", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, null);

    [Fact]
    public async Task A_rows_priority_is_kept_and_rows_from_before_the_migration_read_as_normal()
    {
        postgres.Require();
        var connectionString = await postgres.CreateDatabaseAsync(migrate: false);
        foreach (var migration in Migrations.All.Where(m => m.Version < PriorityMigration))
        {
            await PostgresHistoryFeedColumnsTests.ExecuteAsync(connectionString, migration.Sql);
        }

        var owner = "prio-" + Guid.NewGuid().ToString("N")[..8];
        var (before, low, high) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await using var database = NpgsqlDataSource.Create(connectionString);
        await PostgresHistoryFeedColumnsTests.ExecuteAsync(connectionString, $"""
            INSERT INTO task_history (task_id, owner_id, collection, status, progress, current, total, message, created_at, updated_at)
            VALUES ('{before}', '{owner}', 'rows', 0, 0, 0, 10, 'old', now(), now())
            """);
        foreach (var migration in Migrations.All.Where(m => m.Version >= PriorityMigration))
        {
            await PostgresHistoryFeedColumnsTests.ExecuteAsync(connectionString, migration.Sql);
        }

        await using (var history = new PostgresTaskHistory(database))
        {
            await history.RecordAsync(Row(low, owner) with { Priority = TaskPriority.Low }, CancellationToken.None);
            await history.RecordAsync(Row(high, owner) with { Priority = TaskPriority.High }, CancellationToken.None);
            var rows = (await history.ListAsync(new HistoryQuery(owner), CancellationToken.None)).Items.ToDictionary(r => r.TaskId, r => r.Priority);

            Assert.Equal(TaskPriority.Normal, rows[before]);
            Assert.Equal(TaskPriority.Low, rows[low]);
            Assert.Equal(TaskPriority.High, rows[high]);
        }
    }
}
