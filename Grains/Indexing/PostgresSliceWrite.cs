using Npgsql;
using NpgsqlTypes;

namespace OrleansTasks.Indexing;

/// <summary>
/// Writes one slice of documents into the <c>documents</c> table and says, per id, what it did.
/// One lookup reads the slice's existing ids, hashes and writers; new documents go in by one binary
/// <c>COPY</c> (multi-row heap inserts, no speculative insertion: a corpus task's server processor per
/// document fell by about a tenth against the upsert alone, see <c>corpus --profile</c>) and changed
/// ones by one UPDATE, in one transaction. An unchanged slice is only read: the upsert locked every
/// conflicting row even when its content hash kept it from writing. A row that moved
/// meanwhile (a concurrent writer inserted one of the new ids, or changed or removed one of the
/// changed ones) rolls the slice back, and the slice is written by <see cref="UpsertSql"/> instead,
/// which resolves every such race by itself: the outcomes are those the upsert alone would report.
/// </summary>
internal static class PostgresSliceWrite
{
    private const string LookupSql = """
        SELECT document_id, content_hash, written_by FROM documents
        WHERE collection = @collection AND document_id = ANY(@ids)
        """;

    private const string CopySql =
        "COPY documents (collection, document_id, title, content, content_hash, written_by) FROM STDIN (FORMAT BINARY)";

    private const string UpdateSql = """
        UPDATE documents AS d
        SET title = u.title, content = u.content, content_hash = u.hash,
            written_by = @task, write_count = d.write_count + 1, updated_at = now()
        FROM unnest(@ids::text[], @titles::text[], @contents::text[], @hashes::text[]) AS u(id, title, content, hash)
        WHERE d.collection = @collection AND d.document_id = u.id AND d.content_hash <> u.hash
        """;

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

    public static async Task<Dictionary<string, IndexWrite>> RunAsync(
        NpgsqlConnection connection, string collection, Guid taskId, IReadOnlyList<HashedDocument> documents, CancellationToken token)
    {
        await using (var transaction = await connection.BeginTransactionAsync(token))
        {
            var outcomes = new Dictionary<string, IndexWrite>(documents.Count, StringComparer.Ordinal);
            var fresh = new List<HashedDocument>();
            var changed = new List<HashedDocument>();
            var existing = await LookupAsync(connection, transaction, collection, documents, token);
            foreach (var document in documents)
            {
                if (!existing.TryGetValue(document.Id, out var row))
                {
                    fresh.Add(document);
                    outcomes[document.Id] = IndexWrite.Written;
                }
                else if (row.Hash != document.ContentHash)
                {
                    changed.Add(document);
                    outcomes[document.Id] = IndexWrite.Written;
                }
                else
                {
                    outcomes[document.Id] = row.Writer == taskId ? IndexWrite.AlreadyWrittenByThisTask : IndexWrite.Unchanged;
                }
            }

            try
            {
                if (fresh.Count > 0)
                {
                    await CopyAsync(connection, collection, taskId, fresh, token);
                }

                if (changed.Count == 0 || await UpdateAsync(connection, transaction, collection, taskId, changed, token) == changed.Count)
                {
                    await transaction.CommitAsync(token);
                    return outcomes;
                }
            }
            catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                // A concurrent writer inserted one of the new ids after the lookup: the upsert below resolves it.
            }

            await transaction.RollbackAsync(token);
        }

        return await UpsertAsync(connection, collection, taskId, documents, token);
    }

    private static async Task<Dictionary<string, (string Hash, Guid Writer)>> LookupAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string collection, IReadOnlyList<HashedDocument> documents, CancellationToken token)
    {
        await using var command = new NpgsqlCommand(LookupSql, connection, transaction);
        command.Parameters.AddWithValue("collection", collection);
        command.Parameters.AddWithValue("ids", documents.Select(d => d.Id).ToArray());
        var rows = new Dictionary<string, (string, Guid)>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(token);
        while (await reader.ReadAsync(token))
        {
            rows[reader.GetString(0)] = (reader.GetString(1), reader.GetGuid(2));
        }

        return rows;
    }

    private static async Task CopyAsync(NpgsqlConnection connection, string collection, Guid taskId, List<HashedDocument> documents, CancellationToken token)
    {
        await using var import = await connection.BeginBinaryImportAsync(CopySql, token);
        foreach (var document in documents)
        {
            await import.StartRowAsync(token);
            await import.WriteAsync(collection, NpgsqlDbType.Varchar, token);
            await import.WriteAsync(document.Id, NpgsqlDbType.Varchar, token);
            if (document.Title is null)
            {
                await import.WriteNullAsync(token);
            }
            else
            {
                await import.WriteAsync(document.Title, NpgsqlDbType.Text, token);
            }

            await import.WriteAsync(document.Content, NpgsqlDbType.Text, token);
            await import.WriteAsync(document.ContentHash, NpgsqlDbType.Char, token);
            await import.WriteAsync(taskId, NpgsqlDbType.Uuid, token);
        }

        await import.CompleteAsync(token);
    }

    /// <returns>The rows updated: fewer than <paramref name="documents"/> when one changed or went away after the lookup.</returns>
    private static async Task<int> UpdateAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string collection, Guid taskId, List<HashedDocument> documents, CancellationToken token)
    {
        await using var command = new NpgsqlCommand(UpdateSql, connection, transaction);
        AddSlice(command, collection, taskId, documents);
        return await command.ExecuteNonQueryAsync(token);
    }

    private static async Task<Dictionary<string, IndexWrite>> UpsertAsync(
        NpgsqlConnection connection, string collection, Guid taskId, IReadOnlyList<HashedDocument> documents, CancellationToken token)
    {
        await using var command = new NpgsqlCommand(UpsertSql, connection);
        AddSlice(command, collection, taskId, documents);
        var outcomes = new Dictionary<string, IndexWrite>(documents.Count, StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(token);
        while (await reader.ReadAsync(token))
        {
            outcomes[reader.GetString(0)] = reader.GetBoolean(1) ? IndexWrite.Written
                : reader.GetBoolean(2) ? IndexWrite.AlreadyWrittenByThisTask
                : IndexWrite.Unchanged;
        }

        return outcomes;
    }

    private static void AddSlice(NpgsqlCommand command, string collection, Guid taskId, IReadOnlyList<HashedDocument> documents)
    {
        command.Parameters.AddWithValue("collection", collection);
        command.Parameters.AddWithValue("task", taskId);
        command.Parameters.AddWithValue("ids", documents.Select(d => d.Id).ToArray());
        command.Parameters.AddWithValue("titles", documents.Select(d => d.Title).ToArray());
        command.Parameters.AddWithValue("contents", documents.Select(d => d.Content).ToArray());
        command.Parameters.AddWithValue("hashes", documents.Select(d => d.ContentHash).ToArray());
    }
}
