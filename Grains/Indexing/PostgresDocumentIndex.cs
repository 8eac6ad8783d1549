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
/// search. One upsert statement per slice writes only documents whose content hash changed and
/// reports, per document, whether it was written, already written by this task, or unchanged.
/// Transient database errors are retried with exponential backoff.
/// </summary>
public sealed partial class PostgresDocumentIndex : IDocumentIndex
{
    private const string UpsertSql = """
        WITH input AS (
            SELECT * FROM unnest(@ids::text[], @titles::text[], @contents::text[], @hashes::text[]) AS d(id, title, content, hash)),
        existing AS (
            SELECT document_id, content_hash, written_by FROM documents
            WHERE collection = @collection AND document_id IN (SELECT id FROM input)),
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
        LEFT JOIN written w ON w.document_id = i.id
        LEFT JOIN existing e ON e.document_id = i.id
        """;

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

    /// <summary>Retries after the first attempt: see <see cref="RetryDelay"/> for the time they may take.</summary>
    public const int RetryAttempts = 3;

    /// <summary>
    /// The first retry's delay; later ones double, and none exceeds <see cref="MaxRetryDelay"/>.
    /// An attempt that fails for want of the task store fails while opening its connection, which
    /// the pool bounds (<see cref="Storage.Connections.ConnectionBudget.ConnectionWaitSeconds"/>,
    /// 5 s): all attempts together wait at most 4 × 5 s + 3 × 1 s = 23 s, inside Orleans' 30 s
    /// response timeout, so that a caller gets the task store's 503 rather than a time-out. A pool
    /// with no free connection is not retried at all: its wait was the bound, and retrying under
    /// the load that caused it would only hold the caller longer. Nor is a statement that timed out
    /// (<see cref="Storage.Connections.ConnectionBudget.StatementWaitSeconds"/>): Npgsql reports it
    /// in the same shape, and one such attempt already takes most of the bound.
    /// </summary>
    public static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(200);

    public static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(1);

    public PostgresDocumentIndex(NpgsqlDataSource database, ILogger<PostgresDocumentIndex> logger)
    {
        _database = database;
        _retry = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder()
                    .Handle<NpgsqlException>(exception => exception.IsTransient && !AvailabilityFailures.IsPoolExhaustion(exception))
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

    public async Task<IReadOnlyList<IndexWrite>> UpsertAsync(
        string collection, Guid taskId, IReadOnlyList<HashedDocument> documents, CancellationToken cancellationToken)
    {
        var outcomes = await _retry.ExecuteAsync(async token =>
        {
            await using var command = _database.CreateCommand(UpsertSql);
            command.Parameters.AddWithValue("collection", collection);
            command.Parameters.AddWithValue("task", taskId);
            command.Parameters.AddWithValue("ids", documents.Select(d => d.Id).ToArray());
            command.Parameters.AddWithValue("titles", documents.Select(d => d.Title).ToArray());
            command.Parameters.AddWithValue("contents", documents.Select(d => d.Content).ToArray());
            command.Parameters.AddWithValue("hashes", documents.Select(d => d.ContentHash).ToArray());
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

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "The document index hit a transient database error; attempt {Attempt} in {Delay}: {Reason}")]
        public static partial void Retrying(ILogger logger, int attempt, TimeSpan delay, string? reason);
    }
}
