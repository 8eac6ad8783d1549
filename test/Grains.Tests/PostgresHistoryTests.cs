using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OrleansTasks.History;
using OrleansTasks.Testing;

namespace OrleansTasks.Grains.Tests;

public sealed class PostgresHistoryTests(PostgresSiloFixture fixture) : IClassFixture<PostgresSiloFixture>
{
    [Fact]
    public async Task History_in_postgres_lists_newest_first_pages_by_cursor_and_follows_the_tasks()
    {
        fixture.Require();
        Assert.IsType<PostgresTaskHistory>(fixture.Silo.Services.GetRequiredService<ITaskHistory>());
        var owner = "pg-history-" + Guid.NewGuid().ToString("N")[..8];
        var created = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            var taskId = Guid.NewGuid();
            await using var watcher = await TaskWatcher.StartAsync(fixture.Silo.Client, taskId);
            await fixture.Silo.Client.GetGrain<IIndexTaskGrain>(taskId).Start(new StartIndexTask(owner, "history", Documents.Generate(3)));
            await watcher.WaitForTerminalAsync(TimeSpan.FromMinutes(1));
            created.Add(taskId);
        }

        var history = fixture.Silo.Client.GetGrain<ITaskHistoryGrain>(0);
        // The end is published before its history row is written.
        await Eventually.TrueAsync("the five rows to show their task's end", async () =>
            (await history.List(new HistoryQuery(owner, Status: IndexTaskStatus.Completed))).Items.Length == 5);
        var first = await history.List(new HistoryQuery(owner, Limit: 3));
        var second = await history.List(new HistoryQuery(owner, Limit: 3, Cursor: first.NextCursor));
        var completed = await history.List(new HistoryQuery(owner, Status: IndexTaskStatus.Completed));
        var others = await history.List(new HistoryQuery("nobody-" + owner));

        Assert.Equal(Enumerable.Reverse(created), first.Items.Concat(second.Items).Select(t => t.TaskId));
        Assert.NotNull(first.NextCursor);
        Assert.Null(second.NextCursor);
        Assert.Equal(5, completed.Items.Length);
        Assert.All(completed.Items, t => Assert.Equal(100, t.Progress));
        Assert.Empty(others.Items);
        await Assert.ThrowsAsync<InvalidListRequestException>(() => history.List(new HistoryQuery(owner, Cursor: "bogus")));

        var purged = await fixture.Silo.Client.GetGrain<IRetentionGrain>(0).PurgeEndedBefore(DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.True(purged >= 5);
        Assert.Empty((await history.List(new HistoryQuery(owner))).Items);
        Assert.Null(await fixture.Silo.Client.GetGrain<IIndexTaskGrain>(created[0]).GetSnapshot());
    }

    [Fact]
    public async Task Changes_written_together_keep_each_tasks_latest_and_never_go_back()
    {
        fixture.Require();
        await using var database = NpgsqlDataSource.Create(fixture.ConnectionString);
        await using var history = new PostgresTaskHistory(database);
        var owner = "pg-grouped-" + Guid.NewGuid().ToString("N")[..8];
        var start = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var tasks = Enumerable.Range(0, 40).Select(_ => Guid.NewGuid()).ToArray();
        TaskSummary Row(Guid task, int current, IndexTaskStatus status) =>
            new(task, owner, "grouped", status, current * 10, current, 10, $"at {current}", start, start.AddMilliseconds(current), status == IndexTaskStatus.Completed ? start.AddMilliseconds(current) : null);

        // Every task's rows at once and out of order, so that many share a statement, some with an older row of their own task behind a newer one.
        await Task.WhenAll(tasks.SelectMany(task => new[]
        {
            history.RecordAsync(Row(task, 10, IndexTaskStatus.Completed), CancellationToken.None),
            history.RecordAsync(Row(task, 0, IndexTaskStatus.Pending), CancellationToken.None),
            history.RecordAsync(Row(task, 5, IndexTaskStatus.Processing), CancellationToken.None),
        }));
        await history.RecordAsync(Row(tasks[0], 3, IndexTaskStatus.Processing), CancellationToken.None);

        var listed = await history.ListAsync(new HistoryQuery(owner, Limit: 100), CancellationToken.None);
        Assert.Equal(tasks.Order(), listed.Items.Select(row => row.TaskId).Order());
        Assert.All(listed.Items, row =>
        {
            Assert.Equal(IndexTaskStatus.Completed, row.Status);
            Assert.Equal(10, row.Current);
            Assert.Equal(start.AddMilliseconds(10), row.FinishedAt);
        });
    }

    [Fact]
    public async Task A_stale_activations_row_changes_no_row_and_neither_does_a_row_written_again()
    {
        fixture.Require();
        await using var database = NpgsqlDataSource.Create(fixture.ConnectionString);
        await using var history = new PostgresTaskHistory(database);
        var owner = "pg-stale-" + Guid.NewGuid().ToString("N")[..8];
        var start = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var running = Guid.NewGuid();
        var ended = Guid.NewGuid();
        TaskSummary Row(Guid task, long seq, int current, int milliseconds, IndexTaskStatus status = IndexTaskStatus.Processing) =>
            new(task, owner, "stale", status, current, current, 100, $"at {current}", start, start.AddMilliseconds(milliseconds),
                status.IsTerminal() ? start.AddMilliseconds(milliseconds) : null) { Seq = seq };

        // The successor took the task up from the last checkpoint (its change time) above every seq the stale one could use.
        await history.RecordAsync(Row(running, seq: 40, current: 30, milliseconds: 5), CancellationToken.None);
        await history.RecordAsync(Row(ended, seq: 9, current: 100, milliseconds: 7, IndexTaskStatus.Completed), CancellationToken.None);
        var before = await RowVersionsAsync(database, running, ended);

        // The stale activation's rows arrive last: one queued before its silo stopped (same change time, lower seq,
        // less progress), one from its memory after waking (later time), and the end written again.
        await history.RecordAsync(Row(running, seq: 12, current: 20, milliseconds: 5), CancellationToken.None);
        await history.RecordAsync(Row(running, seq: 13, current: 25, milliseconds: 50), CancellationToken.None);
        await history.RecordAsync(Row(ended, seq: 9, current: 100, milliseconds: 7, IndexTaskStatus.Completed), CancellationToken.None);

        Assert.Equal(before, await RowVersionsAsync(database, running, ended));
        var rows = (await history.ListAsync(new HistoryQuery(owner), CancellationToken.None)).Items.ToDictionary(row => row.TaskId);
        Assert.Equal((40L, 30), (rows[running].Seq, rows[running].Current));

        // The successor's own rows still go in: one that says something else at the same seq and change time
        // (a source's count ended: a total and a message), then its next.
        await history.RecordAsync(Row(running, seq: 40, current: 30, milliseconds: 5) with { Total = 120, Message = "counted" }, CancellationToken.None);
        rows = (await history.ListAsync(new HistoryQuery(owner), CancellationToken.None)).Items.ToDictionary(row => row.TaskId);
        Assert.Equal((40L, 120, "counted"), (rows[running].Seq, rows[running].Total, rows[running].Message));
        await history.RecordAsync(Row(running, seq: 41, current: 35, milliseconds: 6), CancellationToken.None);
        rows = (await history.ListAsync(new HistoryQuery(owner), CancellationToken.None)).Items.ToDictionary(row => row.TaskId);
        Assert.Equal((41L, 35), (rows[running].Seq, rows[running].Current));
    }

    /// <summary>Each row's <c>xmin</c>: the transaction that last wrote it, changed by any update, even one that changes no column.</summary>
    private static async Task<string> RowVersionsAsync(NpgsqlDataSource database, params Guid[] tasks)
    {
        await using var command = database.CreateCommand("SELECT string_agg(task_id::text || ':' || xmin::text, ',' ORDER BY task_id) FROM task_history WHERE task_id = ANY(@tasks)");
        command.Parameters.AddWithValue("tasks", tasks);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task Created_from_includes_its_instant_and_created_before_excludes_its_own_to_the_microsecond()
    {
        fixture.Require();
        await using var database = NpgsqlDataSource.Create(fixture.ConnectionString);
        await using var history = new PostgresTaskHistory(database);
        var owner = "pg-created-" + Guid.NewGuid().ToString("N")[..8];
        var start = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

        // Five tasks a microsecond apart (the resolution of PostgreSQL and of the wire), and another owner's at the middle one's instant.
        var tasks = Enumerable.Range(0, 5).Select(i => (Id: Guid.NewGuid(), CreatedAt: start.AddTicks(i * TimeSpan.TicksPerMicrosecond))).ToArray();
        static TaskSummary Row(Guid task, string owner, DateTimeOffset createdAt) =>
            new(task, owner, "created", IndexTaskStatus.Completed, 100, 1, 1, "done", createdAt, createdAt, createdAt);
        foreach (var (id, createdAt) in tasks)
        {
            await history.RecordAsync(Row(id, owner, createdAt), CancellationToken.None);
        }

        await history.RecordAsync(Row(Guid.NewGuid(), "other-" + owner, tasks[2].CreatedAt), CancellationToken.None);
        async Task<Guid[]> ListAsync(HistoryQuery query) => [.. (await history.ListAsync(query, CancellationToken.None)).Items.Select(row => row.TaskId)];
        Guid[] Ids(params int[] indexes) => [.. indexes.Select(i => tasks[i].Id)];

        Assert.Equal(Ids(4, 3, 2), await ListAsync(new HistoryQuery(owner, CreatedFrom: tasks[2].CreatedAt)));
        Assert.Equal(Ids(1, 0), await ListAsync(new HistoryQuery(owner, CreatedBefore: tasks[2].CreatedAt)));
        Assert.Equal(Ids(3, 2, 1), await ListAsync(new HistoryQuery(owner, CreatedFrom: tasks[1].CreatedAt, CreatedBefore: tasks[4].CreatedAt)));
        Assert.Empty(await ListAsync(new HistoryQuery(owner, CreatedFrom: tasks[4].CreatedAt.AddTicks(TimeSpan.TicksPerMicrosecond))));
        Assert.Empty(await ListAsync(new HistoryQuery(owner, Status: IndexTaskStatus.Failed, CreatedFrom: tasks[0].CreatedAt)));

        // Paged by cursor within the range, as the dashboard's count of new tasks reads it.
        var first = await history.ListAsync(new HistoryQuery(owner, CreatedFrom: tasks[1].CreatedAt, Limit: 2), CancellationToken.None);
        var second = await history.ListAsync(new HistoryQuery(owner, CreatedFrom: tasks[1].CreatedAt, Limit: 2, Cursor: first.NextCursor), CancellationToken.None);
        Assert.Equal(Ids(4, 3), first.Items.Select(row => row.TaskId));
        Assert.Equal(Ids(2, 1), second.Items.Select(row => row.TaskId));
        Assert.Null(second.NextCursor);
    }
}
