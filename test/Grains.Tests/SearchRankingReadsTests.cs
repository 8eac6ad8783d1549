using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OrleansTasks.Indexing;
using OrleansTasks.Search;
using OrleansTasks.Testing;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// What ranking costs per match in PostgreSQL: every match's tsvector is read before the top
/// results are known, so it must come with the match's row, not from TOAST.
/// </summary>
public sealed class SearchRankingReadsTests(PostgresServer postgres)
{
    private const int Matches = 200;
    private const string Collection = "ranking";

    // ~1 KB of random words: neither the text nor its tsvector (each lexeme with its position, larger
    // than the text) compresses, as for real prose, so the row is over PostgreSQL's TOAST threshold.
    private static string Content(int document)
    {
        var random = new Random(document);
        var text = new StringBuilder("shared ");
        while (text.Length < 1_000)
        {
            for (var letters = random.Next(4, 9); letters > 0; letters--)
            {
                text.Append((char)('a' + random.Next(26)));
            }

            text.Append(' ');
        }

        return text.ToString();
    }

    [Fact]
    public async Task Ranking_reads_about_one_page_per_match_not_its_tsvector_from_toast()
    {
        postgres.Require();
        var connectionString = await postgres.CreateDatabaseAsync();
        await using var database = NpgsqlDataSource.Create(connectionString);
        var index = new PostgresDocumentIndex(database, NullLogger<PostgresDocumentIndex>.Instance);
        var documents = Enumerable.Range(0, Matches)
            .Select(n => new IndexDocument($"doc-{n:D4}", $"Document {n}", Content(n)))
            .ToArray();
        await new IncrementalIndexer(index).IndexAsync(Guid.NewGuid(), Collection, documents, CancellationToken.None);

        var (expression, terms) = PostgresTextQuery.Build(SearchQueryParser.Parse("shared"));
        await using var connection = await database.OpenConnectionAsync();
        await using (var settings = new NpgsqlCommand("SET enable_seqscan = off", connection))
        {
            await settings.ExecuteNonQueryAsync();
        }

        await using var explain = new NpgsqlCommand("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + PostgresDocumentIndex.SearchSqlFor(expression), connection);
        explain.Parameters.AddWithValue("collection", Collection);
        foreach (var term in terms)
        {
            explain.Parameters.Add(term);
        }

        explain.Parameters.AddWithValue("limit", 10);
        explain.Parameters.AddWithValue("headline", "MaxFragments=1");
        using var plan = JsonDocument.Parse((string)(await explain.ExecuteScalarAsync())!);
        var root = plan.RootElement[0].GetProperty("Plan");
        var buffers = root.GetProperty("Shared Hit Blocks").GetInt64() + root.GetProperty("Shared Read Blocks").GetInt64();

        // Rows of ~1.4 KB, five or so to a page: about Matches / 5 heap pages, the index's and the
        // ten snippets' few. A tsvector out of line costs a TOAST index lookup and chunk per match.
        Assert.True(buffers < Matches,
            $"ranking {Matches} matches read {buffers} buffers; a match's tsvector must be stored in its row (plan: {root})");
    }
}
