using Npgsql;
using OrleansTasks.Indexing;

namespace OrleansTasks.Benchmarks.SmallTasks;

/// <summary>
/// The Hangfire peer's job: hashes its documents and upserts them into the peer's <c>documents</c>
/// table (the product's DDL) in one statement, writing only rows whose content hash changed.
/// </summary>
public sealed class PeerIndexJob(NpgsqlDataSource documents)
{
    private const string UpsertSql = """
        INSERT INTO documents AS d (collection, document_id, title, content, content_hash, written_by)
        SELECT @collection, id, title, content, hash, @job
        FROM unnest(@ids::text[], @titles::text[], @contents::text[], @hashes::text[]) AS input(id, title, content, hash)
        ON CONFLICT (collection, document_id) DO UPDATE
        SET title = excluded.title, content = excluded.content, content_hash = excluded.content_hash,
            written_by = excluded.written_by, write_count = d.write_count + 1, updated_at = now()
        WHERE d.content_hash <> excluded.content_hash
        """;

    public async Task RunAsync(string collection, Guid job, PeerDocument[] batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        await using var command = documents.CreateCommand(UpsertSql);
        command.Parameters.AddWithValue("collection", collection);
        command.Parameters.AddWithValue("job", job);
        command.Parameters.AddWithValue("ids", batch.Select(document => document.Id).ToArray());
        command.Parameters.AddWithValue("titles", batch.Select(document => document.Title).ToArray());
        command.Parameters.AddWithValue("contents", batch.Select(document => document.Content).ToArray());
        command.Parameters.AddWithValue("hashes", batch.Select(document => ContentHash.Sha256Hex(document.Content)).ToArray());
        await command.ExecuteNonQueryAsync();
    }
}
