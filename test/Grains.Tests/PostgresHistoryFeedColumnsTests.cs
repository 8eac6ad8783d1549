using Npgsql;
using OrleansTasks.History;
using OrleansTasks.Storage.Schema;
using OrleansTasks.Testing;

namespace OrleansTasks.Grains.Tests;

/// <summary>The columns the task feed and dashboards read (seq, rate, batch, schedule) and the counts by status, in PostgreSQL.</summary>
public sealed class PostgresHistoryFeedColumnsTests(PostgresServer postgres, PostgresSiloFixture fixture) : IClassFixture<PostgresSiloFixture>
{
    private const int FeedColumnsMigration = 8;

    private static readonly DateTimeOffset Start = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

    private static TaskSummary Row(Guid taskId, string owner, IndexTaskStatus status, int current = 0, int milliseconds = 0) =>
        new(taskId, owner, "feed", status, current, current, 100, $"at {current}", Start, Start.AddMilliseconds(milliseconds),
            status.IsTerminal() ? Start.AddMilliseconds(milliseconds) : null);

    // What a silo of the previous release writes: the columns of migrations 6 and 7 only.
    private const string PreviousReleaseUpsert = """
        INSERT INTO task_history AS h (task_id, owner_id, collection, status, progress, current, total, message, created_at, updated_at, finished_at)
        VALUES (@task_id, @owner_id, 'feed', @status, @current, @current, 100, 'old writer', @created_at, @updated_at, NULL)
        ON CONFLICT (task_id) DO UPDATE
        SET status = excluded.status, progress = excluded.progress, current = excluded.current, total = excluded.total,
            message = excluded.message, updated_at = excluded.updated_at, finished_at = excluded.finished_at
        WHERE h.updated_at <= excluded.updated_at
        """;

    private static async Task WriteAsPreviousReleaseAsync(string database, Guid taskId, string owner, IndexTaskStatus status, int current, int milliseconds)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(PreviousReleaseUpsert, connection);
        command.Parameters.AddWithValue("task_id", taskId);
        command.Parameters.AddWithValue("owner_id", owner);
        command.Parameters.AddWithValue("status", (short)status);
        command.Parameters.AddWithValue("current", current);
        command.Parameters.AddWithValue("created_at", Start);
        command.Parameters.AddWithValue("updated_at", Start.AddMilliseconds(milliseconds));
        await command.ExecuteNonQueryAsync();
    }

    internal static async Task ExecuteAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task Seq_rate_batch_and_schedule_are_kept_and_replaced_only_by_newer_changes()
    {
        postgres.Require();
        await using var database = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync());
        await using var history = new PostgresTaskHistory(database);
        var owner = "feed-" + Guid.NewGuid().ToString("N")[..8];
        var taskId = Guid.NewGuid();
        var batchId = Guid.NewGuid();
        var scheduleId = Guid.NewGuid();

        await history.RecordAsync(Row(taskId, owner, IndexTaskStatus.Processing, current: 50, milliseconds: 10) with
        {
            Seq = 3, Rate = 12.5, BatchId = batchId, ScheduleId = scheduleId,
        }, CancellationToken.None);
        var running = Assert.Single((await history.ListAsync(new HistoryQuery(owner), CancellationToken.None)).Items);
        await history.RecordAsync(Row(taskId, owner, IndexTaskStatus.Completed, current: 100, milliseconds: 20) with
        {
            Seq = 7, Rate = 20, BatchId = batchId, ScheduleId = scheduleId,
        }, CancellationToken.None);
        await history.RecordAsync(Row(taskId, owner, IndexTaskStatus.Processing, current: 60, milliseconds: 15) with
        {
            Seq = 5, Rate = 1, BatchId = batchId, ScheduleId = scheduleId,
        }, CancellationToken.None);
        var ended = Assert.Single((await history.ListAsync(new HistoryQuery(owner), CancellationToken.None)).Items);

        Assert.Equal((3L, 12.5, 4, batchId, scheduleId), (running.Seq, running.Rate!.Value, running.EtaSeconds!.Value, running.BatchId!.Value, running.ScheduleId!.Value));
        Assert.Equal((7L, 20.0, 0, IndexTaskStatus.Completed), (ended.Seq, ended.Rate!.Value, ended.EtaSeconds!.Value, ended.Status));
        Assert.Equal((batchId, scheduleId), (ended.BatchId!.Value, ended.ScheduleId!.Value));
    }

    [Fact]
    public async Task Rows_written_before_the_migration_and_by_a_previous_release_silo_are_listed_with_seq_0_and_no_rate()
    {
        postgres.Require();
        var connectionString = await postgres.CreateDatabaseAsync(migrate: false);
        foreach (var migration in Migrations.All.Where(m => m.Version < FeedColumnsMigration))
        {
            await ExecuteAsync(connectionString, migration.Sql);
        }

        var owner = "feed-old-" + Guid.NewGuid().ToString("N")[..8];
        var beforeMigration = Guid.NewGuid();
        var duringUpgrade = Guid.NewGuid();
        var handedBack = Guid.NewGuid();
        await WriteAsPreviousReleaseAsync(connectionString, beforeMigration, owner, IndexTaskStatus.Processing, current: 40, milliseconds: 1);
        await ExecuteAsync(connectionString, Migrations.All.Single(m => m.Version == FeedColumnsMigration).Sql);
        await WriteAsPreviousReleaseAsync(connectionString, duringUpgrade, owner, IndexTaskStatus.Pending, current: 0, milliseconds: 2);
        foreach (var later in Migrations.All.Where(m => m.Version > FeedColumnsMigration))
        {
            // The columns this build writes besides those of migration 8 (the priority of migration 9).
            await ExecuteAsync(connectionString, later.Sql);
        }

        await using var database = NpgsqlDataSource.Create(connectionString);
        await using var history = new PostgresTaskHistory(database);
        // A task a new silo ran and a silo of the previous release carried on: its columns are updated, the new ones left as they were.
        await history.RecordAsync(Row(handedBack, owner, IndexTaskStatus.Processing, current: 10, milliseconds: 3) with { Seq = 4, Rate = 8 }, CancellationToken.None);
        await WriteAsPreviousReleaseAsync(connectionString, handedBack, owner, IndexTaskStatus.Processing, current: 30, milliseconds: 4);

        var rows = (await history.ListAsync(new HistoryQuery(owner), CancellationToken.None)).Items.ToDictionary(row => row.TaskId);
        var counts = await history.CountAsync(owner, CancellationToken.None);

        Assert.Equal(3, rows.Count);
        foreach (var old in new[] { rows[beforeMigration], rows[duringUpgrade] })
        {
            Assert.Equal((0L, (double?)null, (int?)null, (Guid?)null, (Guid?)null), (old.Seq, old.Rate, old.EtaSeconds, old.BatchId, old.ScheduleId));
        }

        Assert.Equal(40, rows[beforeMigration].Current);
        Assert.Equal((30, 4L, 8.0), (rows[handedBack].Current, rows[handedBack].Seq, rows[handedBack].Rate!.Value));
        Assert.Equal(new TaskStatusCounts(1, 0, 2, 0, 0, 0), counts);
    }

    [Fact]
    public async Task Counts_by_status_cover_one_owner_or_everyone_follow_changes_and_removals_and_read_the_kept_totals()
    {
        postgres.Require();
        var connectionString = await postgres.CreateDatabaseAsync();
        await using var database = NpgsqlDataSource.Create(connectionString);
        await using var history = new PostgresTaskHistory(database);
        var alice = "count-alice-" + Guid.NewGuid().ToString("N")[..8];
        var bob = "count-bob-" + Guid.NewGuid().ToString("N")[..8];
        IndexTaskStatus[] alices = [
            IndexTaskStatus.Pending, IndexTaskStatus.Waiting, IndexTaskStatus.Waiting, IndexTaskStatus.Processing,
            IndexTaskStatus.Completed, IndexTaskStatus.Completed, IndexTaskStatus.Completed, IndexTaskStatus.Failed, IndexTaskStatus.Cancelled];
        IndexTaskStatus[] bobs = [IndexTaskStatus.Processing, IndexTaskStatus.Completed];
        var bobsTasks = bobs.Select(_ => Guid.NewGuid()).ToArray();
        await Task.WhenAll(
            alices.Select(status => history.RecordAsync(Row(Guid.NewGuid(), alice, status), CancellationToken.None))
                .Concat(bobs.Select((status, i) => history.RecordAsync(Row(bobsTasks[i], bob, status), CancellationToken.None))));

        var alicesCounts = await history.CountAsync(alice, CancellationToken.None);
        var bobsCounts = await history.CountAsync(bob, CancellationToken.None);
        var everyone = await history.CountAsync(null, CancellationToken.None);
        var nobody = await history.CountAsync("nobody-" + alice, CancellationToken.None);

        Assert.Equal(new TaskStatusCounts(1, 2, 1, 3, 1, 1), alicesCounts);
        Assert.Equal(9, alicesCounts.Total);
        Assert.Equal(new TaskStatusCounts(0, 0, 1, 1, 0, 0), bobsCounts);
        Assert.Equal(new TaskStatusCounts(1, 2, 2, 4, 1, 1), everyone);
        Assert.Equal(new TaskStatusCounts(0, 0, 0, 0, 0, 0), nobody);

        // Bob's running task ends, a progress update changes nothing, and his completed one is purged.
        await history.RecordAsync(Row(bobsTasks[0], bob, IndexTaskStatus.Processing, current: 50, milliseconds: 10), CancellationToken.None);
        await history.RecordAsync(Row(bobsTasks[0], bob, IndexTaskStatus.Failed, current: 60, milliseconds: 20), CancellationToken.None);
        await history.RemoveAsync(bobsTasks[1], CancellationToken.None);
        Assert.Equal(new TaskStatusCounts(0, 0, 0, 0, 1, 0), await history.CountAsync(bob, CancellationToken.None));
        Assert.Equal(new TaskStatusCounts(1, 2, 1, 3, 2, 1), await history.CountAsync(null, CancellationToken.None));

        // On a table this small the planner would read the table; with that ruled out, the owner's count must find the key of its totals.
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using (var noTableScans = new NpgsqlCommand("SET enable_seqscan = off", connection))
        {
            await noTableScans.ExecuteNonQueryAsync();
        }

        await using var plan = new NpgsqlCommand($"EXPLAIN {PostgresTaskHistory.CountOwnSql}", connection);
        plan.Parameters.AddWithValue("owner", alice);
        var lines = new List<string>();
        await using (var reader = await plan.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                lines.Add(reader.GetString(0));
            }
        }

        Assert.Contains(lines, line => line.Contains("task_status_counts_pkey", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_silo_on_postgres_lists_ended_tasks_with_their_seq_and_rate_and_counts_them_through_the_history_grain()
    {
        fixture.Require();
        var owner = "pg-feed-" + Guid.NewGuid().ToString("N")[..8];
        var ended = new List<IndexTaskSnapshot>();
        for (var i = 0; i < 2; i++)
        {
            var taskId = Guid.NewGuid();
            await using var watcher = await TaskWatcher.StartAsync(fixture.Silo.Client, taskId);
            await fixture.Silo.Client.GetGrain<IIndexTaskGrain>(taskId).Start(new StartIndexTask(owner, "feed", Documents.Generate(500)));
            ended.Add(await watcher.WaitForTerminalAsync(TimeSpan.FromMinutes(1)));
        }

        var history = fixture.Silo.Client.GetGrain<ITaskHistoryGrain>(0);
        var rows = new Dictionary<Guid, TaskSummary>();
        // The end is published before its history row is written.
        await Eventually.TrueAsync("both rows to show their task's end", async () =>
        {
            rows = (await history.List(new HistoryQuery(owner))).Items.ToDictionary(row => row.TaskId);
            return ended.All(task => rows.TryGetValue(task.TaskId, out var row) && row.Seq == task.Seq);
        });
        // Nobody has read the counts yet: the silo folds the deltas on its own.
        await Eventually.TrueAsync(
            "the silo to fold every counts delta into the totals without a read",
            async () => await PostgresCountsFoldingTests.DeltasLeftAsync(fixture.ConnectionString) == 0);
        var counts = await history.Counts(owner);
        var everyone = await history.Counts(null);

        Assert.All(ended, task =>
        {
            Assert.Equal((task.Status, task.Seq, task.Rate), (rows[task.TaskId].Status, rows[task.TaskId].Seq, rows[task.TaskId].Rate));
            Assert.Equal(0, rows[task.TaskId].EtaSeconds);
        });
        Assert.Equal(new TaskStatusCounts(0, 0, 0, 2, 0, 0), counts);
        Assert.True(everyone.Completed >= 2, $"everyone's completed tasks: {everyone.Completed}");
    }
}
