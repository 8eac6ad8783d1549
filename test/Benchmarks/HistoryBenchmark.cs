using System.Diagnostics;
using Npgsql;
using NpgsqlTypes;
using OrleansTasks.History;
using OrleansTasks.Testing;

namespace OrleansTasks.Benchmarks;

/// <summary>
/// History pages for a user with 100,000 tasks, in memory (embedded mode) and in PostgreSQL
/// (cluster mode): the first page, a page deep behind a cursor, a page of a rare status, and the
/// counts by status (the user's and everyone's).
/// Run: dotnet run -c Release --project test/Benchmarks -- history
/// </summary>
internal static class HistoryBenchmark
{
    private const int Tasks = 100_000;
    private const string Owner = "busy-user";

    public static async Task RunAsync()
    {
        var summaries = Summaries().ToList();
        var memory = new InMemoryTaskHistory();
        foreach (var summary in summaries)
        {
            await memory.RecordAsync(summary, CancellationToken.None);
        }

        await MeasureAsync("embedded (in memory)", memory, summaries);

        await using var postgres = new PostgresServer();
        await postgres.InitializeAsync();
        if (!postgres.IsAvailable)
        {
            Console.WriteLine("cluster (PostgreSQL): skipped, PostgreSQL server binaries are needed (sudo apt-get install postgresql)");
            return;
        }

        var database = await postgres.CreateDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(database);
        await BulkInsertAsync(dataSource, summaries);
        // The bulk insert's deltas, folded into the totals as a silo's folding would within seconds.
        await TaskStatusCountsFolding.FoldAllAsync(dataSource, CancellationToken.None);
        await MeasureAsync("cluster (PostgreSQL)", new PostgresTaskHistory(dataSource), summaries);
    }

    private static IEnumerable<TaskSummary> Summaries()
    {
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < Tasks + 10_000; i++)
        {
            var created = start.AddSeconds(i);
            var status = i % 100 == 0 ? IndexTaskStatus.Failed : IndexTaskStatus.Completed;
            yield return new TaskSummary(Guid.NewGuid(), i < Tasks ? Owner : "user-" + (i % 50), "docs", status,
                status == IndexTaskStatus.Failed ? -1 : 100, 10, 10, "done", created, created.AddSeconds(5), created.AddSeconds(5));
        }
    }

    private static async Task MeasureAsync(string mode, ITaskHistory history, List<TaskSummary> summaries)
    {
        var ownTasks = summaries.Where(s => s.OwnerId == Owner).OrderByDescending(s => s.CreatedAt).ToList();
        var deep = ownTasks[Tasks / 2];
        var deepCursor = new HistoryCursor(deep.CreatedAt, deep.TaskId).Encode();
        await history.ListAsync(new HistoryQuery(Owner), CancellationToken.None);
        await history.CountAsync(Owner, CancellationToken.None);
        Console.WriteLine($"{mode}, {Tasks:N0} tasks of one user:");
        await TimeAsync("  first page of 50       ", () => history.ListAsync(new HistoryQuery(Owner), CancellationToken.None));
        await TimeAsync("  page after 50,000      ", () => history.ListAsync(new HistoryQuery(Owner, Cursor: deepCursor), CancellationToken.None));
        await TimeAsync("  failed only (1%)       ", () => history.ListAsync(new HistoryQuery(Owner, Status: IndexTaskStatus.Failed), CancellationToken.None));
        await TimeAsync("  admin, everyone's      ", () => history.ListAsync(new HistoryQuery(null), CancellationToken.None));
        await TimeAsync("  counts by status, own  ", () => history.CountAsync(Owner, CancellationToken.None), counts => counts.Total == Tasks);
        await TimeAsync("  counts, everyone's     ", () => history.CountAsync(null, CancellationToken.None), counts => counts.Total == summaries.Count);
    }

    private static Task TimeAsync(string label, Func<Task<HistoryPage>> page) =>
        TimeAsync(label, page, result => result.Items.Length > 0);

    private static async Task TimeAsync<T>(string label, Func<Task<T>> read, Func<T, bool> expected)
    {
        var times = new List<double>();
        for (var i = 0; i < 20; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var result = await read();
            times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            if (!expected(result))
            {
                throw new InvalidOperationException($"{label.Trim()}: not what was written ({result})");
            }
        }

        Console.WriteLine(label + Stats.Describe(times));
    }

    private static async Task BulkInsertAsync(NpgsqlDataSource dataSource, List<TaskSummary> summaries)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using (var import = await connection.BeginBinaryImportAsync(
            "COPY task_history (task_id, owner_id, collection, status, progress, current, total, message, created_at, updated_at, finished_at) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var s in summaries)
            {
                await import.StartRowAsync();
                await import.WriteAsync(s.TaskId, NpgsqlDbType.Uuid);
                await import.WriteAsync(s.OwnerId, NpgsqlDbType.Varchar);
                await import.WriteAsync(s.Collection, NpgsqlDbType.Varchar);
                await import.WriteAsync((short)s.Status, NpgsqlDbType.Smallint);
                await import.WriteAsync(s.Progress, NpgsqlDbType.Integer);
                await import.WriteAsync(s.Current, NpgsqlDbType.Integer);
                await import.WriteAsync(s.Total, NpgsqlDbType.Integer);
                await import.WriteAsync(s.Message, NpgsqlDbType.Text);
                await import.WriteAsync(s.CreatedAt, NpgsqlDbType.TimestampTz);
                await import.WriteAsync(s.UpdatedAt, NpgsqlDbType.TimestampTz);
                await import.WriteAsync(s.FinishedAt!.Value, NpgsqlDbType.TimestampTz);
            }

            await import.CompleteAsync();
        }

        await using var analyze = new NpgsqlCommand("ANALYZE task_history", connection);
        await analyze.ExecuteNonQueryAsync();
    }
}
