using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OrleansTasks.History;
using OrleansTasks.Testing;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// The counts by status stay exact while their deltas are folded into the totals in bounded
/// chunks: by a count read (one chunk) and by the silos' folding (every second), beside writers.
/// </summary>
public sealed class PostgresCountsFoldingTests(PostgresServer postgres, ITestOutputHelper output)
{
    private static readonly DateTimeOffset Start = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

    private static readonly IndexTaskStatus[] Lifecycle = [IndexTaskStatus.Pending, IndexTaskStatus.Processing, IndexTaskStatus.Completed];

    private static TaskSummary Row(Guid taskId, string owner, IndexTaskStatus status, int step) =>
        new(taskId, owner, "counts", status, 0, 0, 100, status.ToString(), Start, Start.AddMilliseconds(step),
            status.IsTerminal() ? Start.AddMilliseconds(step) : null);

    /// <summary>How many deltas wait to be folded into the totals.</summary>
    internal static async Task<long> DeltasLeftAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM task_status_count_deltas", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<TaskStatusCounts> TallyAsync(string database, string owner)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT status, count(*) FROM task_history WHERE owner_id = @owner GROUP BY status", connection);
        command.Parameters.AddWithValue("owner", owner);
        var counted = new List<(IndexTaskStatus, int)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            counted.Add(((IndexTaskStatus)reader.GetInt16(0), (int)reader.GetInt64(1)));
        }

        return StatusTally.Of(counted);
    }

    [Fact]
    public async Task A_count_read_folds_one_chunk_of_a_backlog_nobody_read_and_still_counts_all_of_it()
    {
        postgres.Require();
        var database = await postgres.CreateDatabaseAsync();
        await using var source = NpgsqlDataSource.Create(database);
        await using var history = new PostgresTaskHistory(source);
        var owner = "backlog-" + Guid.NewGuid().ToString("N")[..8];
        const int Tasks = 5_000;
        await Task.WhenAll(Enumerable.Range(0, Tasks).Select(i =>
            history.RecordAsync(Row(Guid.NewGuid(), owner, Lifecycle[i % 3], 0), CancellationToken.None)));
        Assert.Equal(Tasks, await DeltasLeftAsync(database));

        var read = Stopwatch.StartNew();
        var counts = await history.CountAsync(owner, CancellationToken.None);
        read.Stop();

        Assert.Equal(await TallyAsync(database, owner), counts);
        Assert.Equal(Tasks, counts.Total);
        Assert.Equal(Tasks - PostgresTaskHistory.ReadFoldRows, await DeltasLeftAsync(database));
        Assert.Equal(Tasks - PostgresTaskHistory.ReadFoldRows, await TaskStatusCountsFolding.FoldAllAsync(source, CancellationToken.None));
        Assert.Equal(0, await DeltasLeftAsync(database));
        Assert.Equal(counts, await history.CountAsync(owner, CancellationToken.None));
        Assert.Equal(counts, await history.CountAsync(null, CancellationToken.None));
        output.WriteLine($"a count read over {Tasks:N0} unfolded deltas: {read.Elapsed.TotalMilliseconds:F1} ms");
    }

    [Fact]
    public async Task Concurrent_writers_reads_and_the_silos_folding_keep_every_total_exact_and_fold_the_deltas_away()
    {
        postgres.Require();
        var database = await postgres.CreateDatabaseAsync();
        await using var source = NpgsqlDataSource.Create(database);
        var owners = new[] { "fold-a-", "fold-b-" }.Select(prefix => prefix + Guid.NewGuid().ToString("N")[..8]).ToArray();
        const int Writers = 4;
        const int TasksPerWriter = 300;
        using var folding = new TaskStatusCountsFolding(source, TimeProvider.System, NullLogger<TaskStatusCountsFolding>.Instance);
        await folding.StartAsync(CancellationToken.None);
        await using var reader = new PostgresTaskHistory(source);
        using var writersDone = new CancellationTokenSource();
        var reads = 0;
        var reading = Task.Run(async () =>
        {
            while (!writersDone.IsCancellationRequested)
            {
                await reader.CountAsync(owners[reads++ % 2], CancellationToken.None);
            }
        });

        // Each writer takes its tasks through pending, processing and completed, one step a statement
        // batch, every change a delta; a fifth of them end cancelled and are then removed.
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(writer => Task.Run(async () =>
        {
            await using var history = new PostgresTaskHistory(source);
            var tasks = Enumerable.Range(0, TasksPerWriter).Select(_ => Guid.NewGuid()).ToArray();
            for (var step = 0; step < Lifecycle.Length; step++)
            {
                await Task.WhenAll(tasks.Select((taskId, i) => history.RecordAsync(
                    Row(taskId, owners[(writer + i) % 2], i % 5 == 0 && step == 2 ? IndexTaskStatus.Cancelled : Lifecycle[step], step),
                    CancellationToken.None)));
            }

            foreach (var taskId in tasks.Where((_, i) => i % 10 == 0))
            {
                await history.RemoveAsync(taskId, CancellationToken.None);
            }
        })));
        await writersDone.CancelAsync();
        await reading;

        await Eventually.TrueAsync(
            "the folding service to fold every delta into the totals",
            async () => await DeltasLeftAsync(database) == 0, TimeSpan.FromSeconds(30));
        await folding.StopAsync(CancellationToken.None);
        foreach (var owner in owners)
        {
            var tally = await TallyAsync(database, owner);
            Assert.Equal(tally, await reader.CountAsync(owner, CancellationToken.None));
            Assert.Equal(Writers * TasksPerWriter / 2 * 9 / 10, tally.Total);
        }

        output.WriteLine($"{reads} count reads ran beside {Writers} writers of {Writers * TasksPerWriter * Lifecycle.Length:N0} changes");
    }
}
