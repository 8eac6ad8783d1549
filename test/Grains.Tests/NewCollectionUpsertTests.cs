using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OrleansTasks.Indexing;
using OrleansTasks.Testing;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// A slice's upsert reads only its own documents' rows, also into a collection the table's statistics have not
/// seen: planned as a join, such a collection was estimated at one row, and each slice read all of its rows.
/// </summary>
public sealed class NewCollectionUpsertTests(PostgresServer postgres)
{
    private const int Slice = 2000;

    [Fact]
    public async Task A_slice_into_a_collection_the_statistics_predate_looks_up_its_own_rows_only()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var source = NpgsqlDataSource.Create(database);
        var index = new PostgresDocumentIndex(source, NullLogger<PostgresDocumentIndex>.Instance);
        await ExecuteAsync(source, "ALTER TABLE documents SET (autovacuum_enabled = false)");
        await index.UpsertAsync("old", Guid.NewGuid(), Documents(0, 1000), TestContext.Current.CancellationToken);
        await ExecuteAsync(source, "ANALYZE documents");
        var task = Guid.NewGuid();
        for (var start = 0; start < 10 * Slice; start += Slice)
        {
            await index.UpsertAsync("new", task, Documents(start, Slice), TestContext.Current.CancellationToken);
        }

        // The last slice again, as a resumed task writes it: every row looked up, none written.
        var rowsRead = await RowsReadAsync(source, "new", task, Documents(9 * Slice, Slice));

        Assert.True(rowsRead <= 2 * Slice, $"the slice of {Slice} documents read {rowsRead} rows of the collection's {10 * Slice}");
    }

    private static HashedDocument[] Documents(int start, int count) =>
        [.. Enumerable.Range(start, count).Select(i =>
        {
            var content = "words of document " + i.ToString(CultureInfo.InvariantCulture);
            return new HashedDocument("d" + i.ToString("D6", CultureInfo.InvariantCulture), null, content, ContentHash.Sha256Hex(content));
        })];

    /// <summary>The rows of <c>documents</c> the product's upsert statement reads for <paramref name="documents"/>, by its plan executed.</summary>
    private static async Task<long> RowsReadAsync(NpgsqlDataSource source, string collection, Guid task, HashedDocument[] documents)
    {
        await using var command = PostgresDocumentIndex.UpsertCommand(source, collection, task, documents, "EXPLAIN (ANALYZE, FORMAT JSON) ");
        using var plan = JsonDocument.Parse((string)(await command.ExecuteScalarAsync())!);
        return ScansOfDocuments(plan.RootElement[0].GetProperty("Plan"));
    }

    /// <summary>The rows the plan's scans of <c>documents</c> read: those they returned and those their filters removed, over every loop.</summary>
    private static long ScansOfDocuments(JsonElement node)
    {
        var rows = 0L;
        if (node.TryGetProperty("Relation Name", out var relation) && relation.GetString() == "documents"
            && node.GetProperty("Node Type").GetString()!.Contains("Scan", StringComparison.Ordinal))
        {
            var read = new[] { "Actual Rows", "Rows Removed by Filter", "Rows Removed by Index Recheck" }
                .Sum(name => node.TryGetProperty(name, out var value) ? value.GetDouble() : 0);
            rows = (long)(read * node.GetProperty("Actual Loops").GetDouble());
        }

        if (node.TryGetProperty("Plans", out var children))
        {
            rows += children.EnumerateArray().Sum(ScansOfDocuments);
        }

        return rows;
    }

    private static async Task ExecuteAsync(NpgsqlDataSource source, string sql)
    {
        await using var command = source.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }
}
