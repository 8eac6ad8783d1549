using System.Collections.Immutable;
using System.Text;
using System.Data.Common;
using Npgsql;
using OrleansTasks.Storage;
using OrleansTasks.Storage.Faults;

namespace OrleansTasks.History;

/// <summary>The task history of cluster mode: the <c>task_history</c> table, paged by (created_at, task_id).</summary>
public sealed class PostgresTaskHistory(NpgsqlDataSource database) : ITaskHistory, IAsyncDisposable
{
    // A row replaces the stored one only when newer by HistoryRows.Supersedes: a stale activation's
    // row, and the same change written again, change no row.
    private const string UpsertSql = """
        INSERT INTO task_history AS h (task_id, owner_id, collection, status, progress, current, total, message, created_at, updated_at, finished_at,
                                       seq, rate, batch_id, schedule_id, priority, retry_of, retried_by)
        SELECT * FROM unnest(@task_id, @owner_id, @collection, @status, @progress, @current, @total, @message, @created_at, @updated_at, @finished_at,
                             @seq, @rate, @batch_id, @schedule_id, @priority, @retry_of, @retried_by)
        ON CONFLICT (task_id) DO UPDATE
        SET status = excluded.status, progress = excluded.progress, current = excluded.current, total = excluded.total,
            message = excluded.message, updated_at = excluded.updated_at, finished_at = excluded.finished_at,
            seq = excluded.seq, rate = excluded.rate, batch_id = excluded.batch_id, schedule_id = excluded.schedule_id,
            priority = excluded.priority, retry_of = excluded.retry_of, retried_by = excluded.retried_by
        WHERE (h.seq, h.updated_at) < (excluded.seq, excluded.updated_at)
           OR ((h.seq, h.updated_at) = (excluded.seq, excluded.updated_at)
               AND (h.status, h.progress, h.current, h.total, h.message, h.finished_at, h.rate, h.batch_id, h.schedule_id, h.priority, h.retry_of, h.retried_by)
                   IS DISTINCT FROM (excluded.status, excluded.progress, excluded.current, excluded.total, excluded.message, excluded.finished_at,
                                     excluded.rate, excluded.batch_id, excluded.schedule_id, excluded.priority, excluded.retry_of, excluded.retried_by))
        """;

    private const string Columns =
        "task_id, owner_id, collection, status, progress, current, total, message, created_at, updated_at, finished_at, seq, rate, batch_id, schedule_id, priority, retry_of, retried_by";

    // Counts come from the totals the task_history triggers keep (migration 0011) plus the deltas
    // not folded into them yet, read in one statement (one snapshot, so a fold committing meanwhile
    // is seen whole or not at all): a few rows per owner plus a backlog that the silos' folding
    // (TaskStatusCountsFolding) keeps to about a second of writes. A read folds one chunk as well.
    internal const string CountOwnSql = """
        SELECT status, sum(count)::bigint FROM (
            SELECT status, count FROM task_status_counts WHERE owner_id = @owner
            UNION ALL SELECT status, delta FROM task_status_count_deltas WHERE owner_id = @owner) AS counted
        GROUP BY status
        """;

    internal const string CountAllSql = """
        SELECT status, sum(count)::bigint FROM (
            SELECT status, count FROM task_status_counts
            UNION ALL SELECT status, delta FROM task_status_count_deltas) AS counted
        GROUP BY status
        """;

    /// <summary>The most deltas a count read folds into the totals before it counts.</summary>
    public const int ReadFoldRows = 1_000;

    /// <summary>Rows written in one statement at most; under load, grains' changes share statements.</summary>
    public const int MaxRowsPerWrite = 256;

    private readonly GroupCommit<TaskSummary> _writes = new(
        (rows, cancellationToken) => WriteAsync(database, rows, cancellationToken),
        MaxRowsPerWrite,
        retryAlone: failure => failure is not DbException refusal || !AvailabilityFailures.Includes(refusal));

    public Task RecordAsync(TaskSummary summary, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(summary);
        return _writes.AddAsync(summary, cancellationToken);
    }

    public ValueTask DisposeAsync() => _writes.DisposeAsync();

    private static async Task WriteAsync(NpgsqlDataSource database, IReadOnlyList<TaskSummary> summaries, CancellationToken cancellationToken)
    {
        // One statement cannot change a row twice: of one task's rows, the latest change goes. Rows
        // go in task order, so that two silos writing rows of the same tasks cannot deadlock.
        var rows = LatestPerTask(summaries).OrderBy(row => row.TaskId).ToList();
        await using var command = database.CreateCommand(UpsertSql);
        command.Parameters.Add(new NpgsqlParameter<Guid[]>("task_id", [.. rows.Select(row => row.TaskId)]));
        command.Parameters.Add(new NpgsqlParameter<string[]>("owner_id", [.. rows.Select(row => row.OwnerId)]));
        command.Parameters.Add(new NpgsqlParameter<string[]>("collection", [.. rows.Select(row => row.Collection)]));
        command.Parameters.Add(new NpgsqlParameter<short[]>("status", [.. rows.Select(row => (short)row.Status)]));
        command.Parameters.Add(new NpgsqlParameter<int[]>("progress", [.. rows.Select(row => row.Progress)]));
        command.Parameters.Add(new NpgsqlParameter<int[]>("current", [.. rows.Select(row => row.Current)]));
        command.Parameters.Add(new NpgsqlParameter<int[]>("total", [.. rows.Select(row => row.Total)]));
        command.Parameters.Add(new NpgsqlParameter<string[]>("message", [.. rows.Select(row => row.Message)]));
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]>("created_at", [.. rows.Select(row => row.CreatedAt.ToUniversalTime())]));
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]>("updated_at", [.. rows.Select(row => row.UpdatedAt.ToUniversalTime())]));
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset?[]>("finished_at", [.. rows.Select(row => row.FinishedAt?.ToUniversalTime())]));
        command.Parameters.Add(new NpgsqlParameter<long[]>("seq", [.. rows.Select(row => row.Seq)]));
        command.Parameters.Add(new NpgsqlParameter<double?[]>("rate", [.. rows.Select(row => row.Rate)]));
        command.Parameters.Add(new NpgsqlParameter<Guid?[]>("batch_id", [.. rows.Select(row => row.BatchId)]));
        command.Parameters.Add(new NpgsqlParameter<Guid?[]>("schedule_id", [.. rows.Select(row => row.ScheduleId)]));
        command.Parameters.Add(new NpgsqlParameter<short[]>("priority", [.. rows.Select(row => (short)row.Priority)]));
        command.Parameters.Add(new NpgsqlParameter<Guid?[]>("retry_of", [.. rows.Select(row => row.RetryOf)]));
        command.Parameters.Add(new NpgsqlParameter<Guid?[]>("retried_by", [.. rows.Select(row => row.RetriedBy)]));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Each task's newest row (see <see cref="HistoryRows.Supersedes"/>; of rows that differ at the same seq and time, the last given).</summary>
    public static IReadOnlyList<TaskSummary> LatestPerTask(IReadOnlyList<TaskSummary> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var latest = new Dictionary<Guid, TaskSummary>(rows.Count);
        foreach (var row in rows)
        {
            if (!latest.TryGetValue(row.TaskId, out var kept) || HistoryRows.Supersedes(row, kept))
            {
                latest[row.TaskId] = row;
            }
        }

        return [.. latest.Values];
    }

    public async Task<TaskStatusCounts> CountAsync(string? ownerId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands = { TaskStatusCountsFolding.FoldCommand(ReadFoldRows), new NpgsqlBatchCommand(ownerId is null ? CountAllSql : CountOwnSql) },
        };
        var command = batch.BatchCommands[1];
        if (ownerId is not null)
        {
            command.Parameters.AddWithValue("owner", ownerId);
        }

        var counted = new List<(IndexTaskStatus, int)>();
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            counted.Add(((IndexTaskStatus)reader.GetInt16(0), checked((int)reader.GetInt64(1))));
        }

        return StatusTally.Of(counted);
    }

    public async Task<IReadOnlyList<Guid>> EndedBeforeAsync(DateTimeOffset cutoff, int limit, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand(
            "SELECT task_id FROM task_history WHERE finished_at < @cutoff ORDER BY finished_at LIMIT @limit");
        command.Parameters.AddWithValue("cutoff", cutoff);
        command.Parameters.AddWithValue("limit", limit);
        var ended = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ended.Add(reader.GetGuid(0));
        }

        return ended;
    }

    public async Task RemoveAsync(Guid taskId, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand("DELETE FROM task_history WHERE task_id = @task_id");
        command.Parameters.AddWithValue("task_id", taskId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<HistoryPage> ListAsync(HistoryQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var after = HistoryCursor.Decode(query.Cursor);
        var sql = new StringBuilder($"SELECT {Columns} FROM task_history WHERE true");
        await using var command = database.CreateCommand();
        void Filter(string condition, string name, object value)
        {
            sql.Append(" AND ").Append(condition);
            command.Parameters.AddWithValue(name, value);
        }

        if (query.OwnerId is not null)
        {
            Filter("owner_id = @owner", "owner", query.OwnerId);
        }

        if (query.Status is { } status)
        {
            Filter("status = @status", "status", (short)status);
        }

        if (query.Collection is not null)
        {
            Filter("collection = @collection", "collection", query.Collection);
        }

        if (query.CreatedFrom is { } from)
        {
            Filter("created_at >= @from", "from", from);
        }

        if (query.CreatedBefore is { } before)
        {
            Filter("created_at < @before", "before", before);
        }

        if (after is { } cursor)
        {
            Filter("(created_at, task_id) < (@after_created, @after_id)", "after_created", cursor.CreatedAt);
            command.Parameters.AddWithValue("after_id", cursor.TaskId);
        }

        sql.Append(" ORDER BY created_at DESC, task_id DESC LIMIT @limit");
        command.Parameters.AddWithValue("limit", query.Limit + 1);
        command.CommandText = sql.ToString();

        var items = ImmutableArray.CreateBuilder<TaskSummary>(query.Limit + 1);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(ReadRow(reader));
        }

        if (items.Count <= query.Limit)
        {
            return new HistoryPage(items.ToImmutable(), null);
        }

        items.RemoveAt(items.Count - 1);
        var last = items[^1];
        return new HistoryPage(items.ToImmutable(), new HistoryCursor(last.CreatedAt, last.TaskId).Encode());
    }

    private static TaskSummary ReadRow(DbDataReader reader) => new(
        reader.GetGuid(0), reader.GetString(1), reader.GetString(2), (IndexTaskStatus)reader.GetInt16(3),
        reader.GetInt32(4), reader.GetInt32(5), reader.GetInt32(6), reader.GetString(7),
        reader.GetFieldValue<DateTimeOffset>(8), reader.GetFieldValue<DateTimeOffset>(9),
        reader.IsDBNull(10) ? null : reader.GetFieldValue<DateTimeOffset>(10))
    {
        Seq = reader.GetInt64(11),
        Rate = reader.IsDBNull(12) ? null : reader.GetDouble(12),
        BatchId = reader.IsDBNull(13) ? null : reader.GetGuid(13),
        ScheduleId = reader.IsDBNull(14) ? null : reader.GetGuid(14),
        Priority = (TaskPriority)reader.GetInt16(15),
        RetryOf = reader.IsDBNull(16) ? null : reader.GetGuid(16),
        RetriedBy = reader.IsDBNull(17) ? null : reader.GetGuid(17),
    };
}
