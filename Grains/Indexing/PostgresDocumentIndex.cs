using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Npgsql;
using OrleansTasks.Search;
using OrleansTasks.Storage.Faults;
using Polly;
using Polly.Retry;

namespace OrleansTasks.Indexing;

/// <summary>
/// The document index of cluster mode: the <c>documents</c> table with PostgreSQL full-text
/// search. An upsert statement writes only documents whose content hash changed and reports, per
/// document, whether it was written, already written by this task, or unchanged; a large slice is
/// written as several such statements at once (<see cref="UpsertAsync"/>).
/// A <c>delete_missing</c> pass records the ids it saw in <c>task_seen_documents</c>, and its end
/// removes the collection's other documents in keyset-ordered batches, each committed with the
/// removal's cursor and count in <c>task_deletions</c>.
/// Transient database errors are retried with exponential backoff.
/// </summary>
public sealed partial class PostgresDocumentIndex : IDocumentIndex
{
    /// <summary>
    /// Each document's row as it was before the statement is read by one primary-key lookup (<c>OFFSET 0</c> keeps
    /// the lateral subquery from being joined as a whole): as a join, a collection the table's statistics predate
    /// (a new one, growing faster than autoanalyze follows) was estimated at one row, and every slice read all of
    /// its rows, a slice of one document taking 270 ms at 500,000 (BENCHMARKS.md, "A new collection's statistics").
    /// </summary>
    private const string UpsertSql = """
        WITH input AS (
            SELECT * FROM unnest(@ids::text[], @titles::text[], @contents::text[], @hashes::text[]) AS d(id, title, content, hash)),
        written AS (
            INSERT INTO documents AS d (collection, document_id, title, content, content_hash, written_by)
            SELECT @collection, id, title, content, hash, @task FROM input
            ON CONFLICT (collection, document_id) DO UPDATE
            SET title = excluded.title, content = excluded.content, content_hash = excluded.content_hash,
                written_by = excluded.written_by, write_count = d.write_count + 1, updated_at = now()
            WHERE d.content_hash <> excluded.content_hash
            RETURNING document_id)
        SELECT i.id,
               w.document_id IS NOT NULL AS written,
               coalesce(e.written_by = @task AND e.content_hash = i.hash, false) AS mine
        FROM input i
        LEFT JOIN LATERAL (
            SELECT content_hash, written_by FROM documents
            WHERE collection = @collection AND document_id = i.id
            OFFSET 0) e ON true
        LEFT JOIN written w ON w.document_id = i.id
        """;

    /// <summary>The pass's removal row comes with its first record: a removal step finds none once the pass is forgotten.</summary>
    private const string RecordSeenSql = """
        WITH removal AS (
            INSERT INTO task_deletions (task_id) VALUES (@task) ON CONFLICT (task_id) DO NOTHING)
        INSERT INTO task_seen_documents (task_id, document_id)
        SELECT @task, id FROM unnest(@ids::text[]) AS s(id)
        ON CONFLICT DO NOTHING
        """;

    /// <summary>
    /// Locks the removal's row: one removal step at a time per task, each reading the cursor the last
    /// one stored. No row: the pass recorded nothing, or has been forgotten (its task ended).
    /// </summary>
    private const string ClaimRemovalSql = "SELECT after_id, deleted, done FROM task_deletions WHERE task_id = @task FOR UPDATE";

    /// <summary>
    /// One keyset-ordered batch: the next documents of the collection after the cursor (the primary
    /// key's order), those the pass did not see deleted, and the cursor and count moved on in the same
    /// statement. A batch shorter than asked for was the collection's last.
    /// </summary>
    private const string RemoveBatchSql = """
        WITH batch AS (
            SELECT document_id FROM documents
            WHERE collection = @collection AND document_id > @after
            ORDER BY document_id
            LIMIT @batch),
        gone AS (
            DELETE FROM documents d
            USING batch b
            WHERE d.collection = @collection AND d.document_id = b.document_id
              AND NOT EXISTS (SELECT 1 FROM task_seen_documents s WHERE s.task_id = @task AND s.document_id = d.document_id)
            RETURNING 1)
        UPDATE task_deletions
        SET after_id = coalesce((SELECT max(document_id) FROM batch), after_id),
            deleted = deleted + (SELECT count(*) FROM gone),
            done = (SELECT count(*) FROM batch) < @batch
        WHERE task_id = @task
        RETURNING deleted, done
        """;

    /// <summary>A bounded part of a pass's seen ids: forgetting a million of them is many such statements.</summary>
    private const string ForgetSeenBatchSql = """
        DELETE FROM task_seen_documents
        WHERE task_id = @task AND document_id IN (
            SELECT document_id FROM task_seen_documents WHERE task_id = @task LIMIT @batch)
        """;

    private const string ForgetRemovalSql = "DELETE FROM task_deletions WHERE task_id = @task";

    /// <summary>Seen ids forgotten per statement.</summary>
    private const int ForgetBatch = 10_000;

    /// <summary>
    /// Ranks every match, then builds snippets for the page alone: <c>ts_headline</c> re-parses a
    /// document's whole content, so it must not run for rows the limit drops.
    /// </summary>
    private static readonly CompositeFormat SearchSql = CompositeFormat.Parse("""
        WITH hits AS (
            SELECT document_id, title, content, ts_rank_cd(search, q.query) AS score
            FROM documents, (SELECT {0} AS query) AS q
            WHERE collection = @collection AND search @@ q.query
            ORDER BY score DESC, document_id
            LIMIT @limit)
        SELECT document_id, title, score, ts_headline('english', content, {0}, @headline) AS snippet
        FROM hits
        ORDER BY score DESC, document_id
        """);

    /// <summary>The search statement around a <see cref="PostgresTextQuery"/> expression.</summary>
    public static string SearchSqlFor(string expression) => string.Format(CultureInfo.InvariantCulture, SearchSql, expression);

    private static readonly string HeadlineOptions =
        $"StartSel={SnippetMarkup.Start}, StopSel={SnippetMarkup.Stop}, MinWords=12, MaxWords=32, MaxFragments=1";

    private readonly NpgsqlDataSource _database;
    private readonly ResiliencePipeline _retry;
    private readonly ILogger _logger;

    /// <summary>Retries after the first attempt: see <see cref="RetryDelay"/> for the time they may take.</summary>
    public const int RetryAttempts = 3;

    /// <summary>
    /// The first retry's delay; later ones double, and none exceeds <see cref="MaxRetryDelay"/>.
    /// An attempt that fails for want of the task store fails while opening its connection, which
    /// the pool bounds (<see cref="Storage.Connections.ConnectionBudget.ConnectionWaitSeconds"/>,
    /// 5 s): all attempts together wait at most 4 × 5 s + 3 × 1 s = 23 s, inside Orleans' 30 s
    /// response timeout, so that a caller gets the task store's 503 rather than a time-out. None of
    /// Npgsql's timeouts is retried (<see cref="AvailabilityFailures.IsTimeout"/>): a pool with no
    /// free connection waited the bound already, and retrying under the load that caused it would
    /// only hold the caller longer; a statement that timed out
    /// (<see cref="Storage.Connections.ConnectionBudget.StatementWaitSeconds"/>) already took most of
    /// the bound; a connection not opened in time means a server that does not answer now.
    /// </summary>
    public static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(200);

    public static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(1);

    /// <param name="connectionsPerTask">The most connections one slice's upsert writes on at once (<see cref="Tasks.TasksOptions.IndexConnectionsPerTask"/>).</param>
    public PostgresDocumentIndex(NpgsqlDataSource database, ILogger<PostgresDocumentIndex> logger, int connectionsPerTask = 1)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentOutOfRangeException.ThrowIfLessThan(connectionsPerTask, 1);
        _database = database;
        _logger = logger;
        ConnectionsPerSlice = connectionsPerTask;
        ExtraConnections = new ExtraIndexConnections(new NpgsqlConnectionStringBuilder(database.ConnectionString).MaxPoolSize);
        _retry = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder()
                    .Handle<NpgsqlException>(exception => exception.IsTransient && !AvailabilityFailures.IsTimeout(exception))
                    .Handle<TimeoutException>(),
                MaxRetryAttempts = RetryAttempts,
                Delay = RetryDelay,
                MaxDelay = MaxRetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                OnRetry = arguments =>
                {
                    Log.Retrying(logger, arguments.AttemptNumber + 1, arguments.RetryDelay, arguments.Outcome.Exception?.Message);
                    return default;
                },
            })
            .Build();
    }

    /// <summary>The upsert statement for <paramref name="documents"/>, after <paramref name="prefix"/> (a test's <c>EXPLAIN</c>).</summary>
    internal static NpgsqlCommand UpsertCommand(
        NpgsqlDataSource database, string collection, Guid taskId, IReadOnlyList<HashedDocument> documents, string prefix = "")
    {
        var command = database.CreateCommand(prefix + UpsertSql);
        command.Parameters.AddWithValue("collection", collection);
        command.Parameters.AddWithValue("task", taskId);
        command.Parameters.AddWithValue("ids", documents.Select(d => d.Id).ToArray());
        command.Parameters.AddWithValue("titles", documents.Select(d => d.Title).ToArray());
        command.Parameters.AddWithValue("contents", documents.Select(d => d.Content).ToArray());
        command.Parameters.AddWithValue("hashes", documents.Select(d => d.ContentHash).ToArray());
        return command;
    }

    /// <summary>One statement writing <paramref name="documents"/>, retried on its own.</summary>
    private async Task<IReadOnlyList<IndexWrite>> UpsertStatementAsync(
        string collection, Guid taskId, IReadOnlyList<HashedDocument> documents, CancellationToken cancellationToken)
    {
        var outcomes = await _retry.ExecuteAsync(async token =>
        {
            await using var command = UpsertCommand(_database, collection, taskId, documents);
            var byId = new Dictionary<string, IndexWrite>(documents.Count, StringComparer.Ordinal);
            await using var reader = await command.ExecuteReaderAsync(token);
            while (await reader.ReadAsync(token))
            {
                byId[reader.GetString(0)] = reader.GetBoolean(1) ? IndexWrite.Written
                    : reader.GetBoolean(2) ? IndexWrite.AlreadyWrittenByThisTask
                    : IndexWrite.Unchanged;
            }

            return byId;
        }, cancellationToken);

        return [.. documents.Select(d => outcomes[d.Id])];
    }

    public async Task<ImmutableArray<SearchHit>> SearchAsync(string collection, SearchQuery query, int limit, CancellationToken cancellationToken) =>
        await _retry.ExecuteAsync(async token =>
        {
            var (expression, terms) = PostgresTextQuery.Build(query);
            await using var command = _database.CreateCommand(SearchSqlFor(expression));
            command.Parameters.AddWithValue("collection", collection);
            foreach (var term in terms)
            {
                command.Parameters.Add(term);
            }

            command.Parameters.AddWithValue("limit", limit);
            command.Parameters.AddWithValue("headline", HeadlineOptions);
            var hits = ImmutableArray.CreateBuilder<SearchHit>();
            await using var reader = await command.ExecuteReaderAsync(token);
            while (await reader.ReadAsync(token))
            {
                var title = reader.IsDBNull(1) ? null : reader.GetString(1);
                hits.Add(new SearchHit(
                    reader.GetString(0),
                    string.IsNullOrEmpty(title) ? null : title,
                    reader.GetFloat(2),
                    SnippetMarkup.ToHtml(reader.GetString(3))));
            }

            return hits.ToImmutable();
        }, cancellationToken);

    public async Task<long> CountWritesAsync(string collection, CancellationToken cancellationToken) =>
        await _retry.ExecuteAsync(async token =>
        {
            await using var command = _database.CreateCommand("SELECT coalesce(sum(write_count), 0)::bigint FROM documents WHERE collection = @collection");
            command.Parameters.AddWithValue("collection", collection);
            return (long)(await command.ExecuteScalarAsync(token))!;
        }, cancellationToken);

    public async Task RecordSeenAsync(Guid taskId, IReadOnlyList<string> ids, CancellationToken cancellationToken) =>
        await _retry.ExecuteAsync(async token =>
        {
            await using var command = _database.CreateCommand(RecordSeenSql);
            command.Parameters.AddWithValue("task", taskId);
            command.Parameters.AddWithValue("ids", ids.ToArray());
            await command.ExecuteNonQueryAsync(token);
        }, cancellationToken);

    public async Task<UnseenRemoval> DeleteUnseenAsync(string collection, Guid taskId, int batchSize, CancellationToken cancellationToken) =>
        await _retry.ExecuteAsync(async token =>
        {
            await using var connection = await _database.OpenConnectionAsync(token);
            await using var transaction = await connection.BeginTransactionAsync(token);
            var after = "";
            var removal = new UnseenRemoval(0, Done: true);
            await using (var claim = new NpgsqlCommand(ClaimRemovalSql, connection, transaction))
            {
                claim.Parameters.AddWithValue("task", taskId);
                await using var reader = await claim.ExecuteReaderAsync(token);
                if (await reader.ReadAsync(token))
                {
                    after = reader.GetString(0);
                    removal = new UnseenRemoval(reader.GetInt64(1), reader.GetBoolean(2));
                }
            }

            if (!removal.Done)
            {
                await using var remove = new NpgsqlCommand(RemoveBatchSql, connection, transaction);
                remove.Parameters.AddWithValue("collection", collection);
                remove.Parameters.AddWithValue("task", taskId);
                remove.Parameters.AddWithValue("after", after);
                remove.Parameters.AddWithValue("batch", batchSize);
                await using var reader = await remove.ExecuteReaderAsync(token);
                await reader.ReadAsync(token);
                removal = new UnseenRemoval(reader.GetInt64(0), reader.GetBoolean(1));
            }

            await transaction.CommitAsync(token);
            return removal;
        }, cancellationToken);

    public async Task ForgetSeenAsync(Guid taskId, CancellationToken cancellationToken) =>
        await _retry.ExecuteAsync(async token =>
        {
            // The removal's row goes first: a step that finds no row removes nothing, whereas one that
            // still found it while the seen ids went would remove documents the source holds.
            await using (var command = _database.CreateCommand(ForgetRemovalSql))
            {
                command.Parameters.AddWithValue("task", taskId);
                await command.ExecuteNonQueryAsync(token);
            }

            int forgotten;
            do
            {
                await using var batch = _database.CreateCommand(ForgetSeenBatchSql);
                batch.Parameters.AddWithValue("task", taskId);
                batch.Parameters.AddWithValue("batch", ForgetBatch);
                forgotten = await batch.ExecuteNonQueryAsync(token);
            }
            while (forgotten > 0);
        }, cancellationToken);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "The document index hit a transient database error; attempt {Attempt} in {Delay}: {Reason}")]
        public static partial void Retrying(ILogger logger, int attempt, TimeSpan delay, string? reason);
    }
}
