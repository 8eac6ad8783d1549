using Npgsql;
using OrleansTasks.History;
using OrleansTasks.Storage.Schema;
using OrleansTasks.Testing;

namespace OrleansTasks.Grains.Tests;

/// <summary>The retry links on list rows in PostgreSQL (migration 10), and rows written without them reading as not linked.</summary>
public sealed class PostgresHistoryRetryLinksTests(PostgresServer postgres)
{
    private const int RetryLinksMigration = 10;

    private static TaskSummary Row(Guid taskId, string owner) =>
        new(taskId, owner, "rows", IndexTaskStatus.Failed, 100, 10, 10, "Failed", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow);

    private static (Guid? RetryOf, Guid? RetriedBy) Links(Guid? retryOf, Guid? retriedBy) => (retryOf, retriedBy);

    [Fact]
    public async Task A_rows_retry_links_are_kept_updated_and_rows_from_before_the_migration_read_as_not_linked()
    {
        var connectionString = await postgres.CreateDatabaseAsync(migrate: false);
        foreach (var migration in Migrations.All.Where(m => m.Version < RetryLinksMigration))
        {
            await DatabaseCommands.ExecuteAsync(connectionString, migration.Sql);
        }

        var owner = "links-" + Guid.NewGuid().ToString("N")[..8];
        var (before, original, retry) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await DatabaseCommands.ExecuteAsync(connectionString, $"""
            INSERT INTO task_history (task_id, owner_id, collection, status, progress, current, total, message, created_at, updated_at)
            VALUES ('{before}', '{owner}', 'rows', 3, 100, 10, 10, 'old', now(), now())
            """);
        foreach (var migration in Migrations.All.Where(m => m.Version >= RetryLinksMigration))
        {
            await DatabaseCommands.ExecuteAsync(connectionString, migration.Sql);
        }

        await using var database = NpgsqlDataSource.Create(connectionString);
        await using var history = new PostgresTaskHistory(database);
        var originalRow = Row(original, owner);
        await history.RecordAsync(originalRow, CancellationToken.None);
        await history.RecordAsync(Row(retry, owner) with { RetryOf = original }, CancellationToken.None);
        await history.RecordAsync(originalRow with { RetriedBy = retry, UpdatedAt = originalRow.UpdatedAt.AddSeconds(1) }, CancellationToken.None);

        var rows = (await history.ListAsync(new HistoryQuery(owner), CancellationToken.None)).Items.ToDictionary(r => r.TaskId, r => (r.RetryOf, r.RetriedBy));

        Assert.Equal(Links(null, null), rows[before]);
        Assert.Equal(Links(null, retry), rows[original]);
        Assert.Equal(Links(original, null), rows[retry]);
    }
}
