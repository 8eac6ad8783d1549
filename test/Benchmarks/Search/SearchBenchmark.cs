using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;
using OrleansTasks.Indexing;
using OrleansTasks.Search;
using OrleansTasks.Testing;

namespace OrleansTasks.Benchmarks.Search;

/// <summary>
/// Ranked search (top 10) over a large collection in PostgreSQL, through the product's own
/// <see cref="PostgresDocumentIndex"/> and query parser: a private server, the product's schema,
/// <see cref="SearchCorpus"/> filled by COPY (setup, not measured), then each kind of query over
/// several runs, reported per run so that the spread shows.
/// <c>--shared-buffers</c> sizes the server's cache (such as <c>4GB</c>, a quarter of a 16 GiB machine, PostgreSQL's
/// own guidance); without it the server keeps its 128 MB default, far smaller than a million documents.
/// Run: dotnet run -c Release --project test/Benchmarks -- search [--documents 1000000] [--runs 5] [--shared-buffers 4GB]
/// </summary>
internal static class SearchBenchmark
{
    private const string Collection = "corpus";
    private const int CopyStreams = 2;

    public static async Task<int> RunAsync(int documents, int runs, string? sharedBuffers)
    {
        await using var postgres = new PostgresServer { SharedBuffers = sharedBuffers };
        await postgres.InitializeAsync();
        if (!postgres.IsAvailable)
        {
            Console.WriteLine("search: skipped, PostgreSQL server binaries are needed (sudo apt-get install postgresql)");
            return 1;
        }

        // No timeout: filling a million rows may stall on the GIN index for longer than the default 30 s.
        await using var dataSource = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync() + ";Command Timeout=0");
        var filling = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, CopyStreams).Select(stream => CopyAsync(dataSource, stream, documents)));
        await ExecuteAsync(dataSource, "VACUUM ANALYZE documents");
        var size = await ScalarAsync(dataSource, "SELECT pg_size_pretty(pg_total_relation_size('documents'))");
        var cache = await ScalarAsync(dataSource, "SHOW shared_buffers");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"filled {documents:N0} documents ({size}) by COPY in {filling.Elapsed.TotalSeconds:F0} s; {Environment.ProcessorCount} cores; shared_buffers {cache}"));

        var index = new PostgresDocumentIndex(dataSource, NullLogger<PostgresDocumentIndex>.Instance);
        Console.WriteLine("| query kind | queries × runs | matches of the first query | p50 ms, median of runs (min–max) | p95 ms | p99 ms |");
        Console.WriteLine("|---|---|---|---|---|---|");
        var failures = 0;
        foreach (var kind in QueryKinds())
        {
            failures += await MeasureAsync(dataSource, index, kind, runs);
        }

        await ExplainAsync(dataSource, SearchQueryParser.Parse(SearchCorpus.Selective(0)));
        return failures == 0 ? 0 : 1;
    }

    private sealed record QueryKind(string Name, string[] Queries, bool MustFind = true);

    private static IEnumerable<QueryKind> QueryKinds()
    {
        string[] Pick(int count, Func<int, string> query) => [.. Enumerable.Range(0, count).Select(query)];
        yield return new("selective word (~1 %)", Pick(100, n => SearchCorpus.Selective(n * 17 % SearchCorpus.SelectiveWords)));
        yield return new("rare word (~0.01 %)", Pick(100, n => SearchCorpus.Rare(n * 331 % SearchCorpus.RareWords)));
        yield return new("two selective words (AND)", Pick(100, n => SearchCorpus.Selective(n) + " " + SearchCorpus.Selective(n + 1_000)), MustFind: false);
        yield return new("selective prefix grain41* (~1 %)", Pick(100, n => SearchCorpus.Common[n % 10] + (10 + n % 90).ToString(CultureInfo.InvariantCulture) + "*"));
        yield return new("selective phrase (~0.1 %)", Pick(100, n => Quoted(SearchCorpus.Phrase(n * 3))));
        yield return new("common word (10–95 %)", Pick(4, n => SearchCorpus.Common[n * 5]));
        yield return new("common prefix grain* ", Pick(2, n => SearchCorpus.Common[n * 3] + "*"));
        yield return new("common phrase \"orleans grain\"", Pick(2, n => Quoted((SearchCorpus.Common[n], SearchCorpus.Common[n + 1]))));
    }

    private static string Quoted((string First, string Second) phrase) => $"\"{phrase.First} {phrase.Second}\"";

    private static async Task<int> MeasureAsync(NpgsqlDataSource dataSource, PostgresDocumentIndex index, QueryKind kind, int runs)
    {
        var parsed = kind.Queries.Select(SearchQueryParser.Parse).ToArray();
        var empty = 0;
        foreach (var query in parsed)
        {
            empty += (await index.SearchAsync(Collection, query, 10, CancellationToken.None)).Length == 0 ? 1 : 0;
        }

        var (expression, terms) = PostgresTextQuery.Build(parsed[0]);
        var matched = await ScalarAsync(dataSource,
            "SELECT count(*) FROM documents WHERE collection = @c AND search @@ " + expression, [new NpgsqlParameter("c", Collection), .. terms]);
        var percentiles = new List<(double P50, double P95, double P99)>();
        for (var run = 0; run < runs; run++)
        {
            var times = new List<double>(parsed.Length);
            foreach (var query in parsed.OrderBy(_ => Random.Shared.Next()))
            {
                var started = Stopwatch.GetTimestamp();
                await index.SearchAsync(Collection, query, 10, CancellationToken.None);
                times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            times.Sort();
            double At(double quantile) => times[Math.Min(times.Count - 1, (int)(quantile * times.Count))];
            percentiles.Add((At(0.50), At(0.95), At(0.99)));
        }

        static string Spread(IEnumerable<double> values)
        {
            var sorted = values.Order().ToArray();
            return string.Create(CultureInfo.InvariantCulture, $"{sorted[sorted.Length / 2],7:F1} ({sorted[0]:F1}–{sorted[^1]:F1})");
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {kind.Name,-34} | {kind.Queries.Length,3} × {runs} | {matched,9} | {Spread(percentiles.Select(p => p.P50))} | {Spread(percentiles.Select(p => p.P95))} | {Spread(percentiles.Select(p => p.P99))} |"));
        if (kind.MustFind && empty > 0)
        {
            Console.WriteLine($"  {empty} of the {kind.Name} queries found nothing: the corpus is not what the queries expect");
            return 1;
        }

        return 0;
    }

    /// <summary>The plan of one selective search, as the product runs it, to show where its time goes.</summary>
    private static async Task ExplainAsync(NpgsqlDataSource dataSource, SearchQuery query)
    {
        var (expression, terms) = PostgresTextQuery.Build(query);
        await using var command = dataSource.CreateCommand("EXPLAIN (ANALYZE, BUFFERS) " + PostgresDocumentIndex.SearchSqlFor(expression));
        command.Parameters.AddWithValue("collection", Collection);
        command.Parameters.AddWithValue("limit", 10);
        command.Parameters.AddWithValue("headline", "MaxFragments=1");
        foreach (var term in terms)
        {
            command.Parameters.Add(term);
        }

        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            Console.WriteLine("    " + reader.GetString(0));
        }
    }

    private static async Task CopyAsync(NpgsqlDataSource dataSource, int stream, int documents)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var import = await connection.BeginBinaryImportAsync(
            "COPY documents (collection, document_id, title, content, content_hash, written_by) FROM STDIN (FORMAT BINARY)");
        var writer = Guid.NewGuid();
        for (var i = stream; i < documents; i += CopyStreams)
        {
            await import.StartRowAsync();
            await import.WriteAsync(Collection, NpgsqlDbType.Varchar);
            await import.WriteAsync(SearchCorpus.Id(i), NpgsqlDbType.Varchar);
            await import.WriteAsync(SearchCorpus.Title(i), NpgsqlDbType.Text);
            await import.WriteAsync(SearchCorpus.Content(i), NpgsqlDbType.Text);
            await import.WriteAsync(SearchCorpus.ContentHash(i), NpgsqlDbType.Char);
            await import.WriteAsync(writer, NpgsqlDbType.Uuid);
        }

        await import.CompleteAsync();
    }

    private static async Task ExecuteAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.CommandTimeout = 0;
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<string> ScalarAsync(NpgsqlDataSource dataSource, string sql, NpgsqlParameter[]? parameters = null)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.CommandTimeout = 0;
        foreach (var parameter in parameters ?? [])
        {
            command.Parameters.Add(parameter);
        }
        return Convert.ToString(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture) ?? "";
    }
}
