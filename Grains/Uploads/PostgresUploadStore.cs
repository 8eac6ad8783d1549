using Npgsql;
using NpgsqlTypes;

namespace OrleansTasks.Uploads;

/// <summary>
/// Uploads in PostgreSQL (migration 0012): a row in <c>uploads</c>, the body in <c>upload_chunks</c>,
/// the tasks that read it in <c>upload_tasks</c>. The gateway writes through its own pool, silos read
/// through theirs.
/// </summary>
public sealed class PostgresUploadStore(NpgsqlDataSource database) : IUploadStore
{
    /// <summary>Chunks (1 MiB each) one statement of a delete removes.</summary>
    public const int ChunksPerDelete = 16;

    private static readonly string DeleteSomeChunks = $"""
        DELETE FROM upload_chunks WHERE upload_id = $1
          AND seq IN (SELECT seq FROM upload_chunks WHERE upload_id = $1 ORDER BY seq DESC LIMIT {ChunksPerDelete})
        """;

    public async Task BeginAsync(Guid id, string ownerId, DateTimeOffset createdAt, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand("INSERT INTO uploads (id, owner_id, created) VALUES ($1, $2, $3)");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ownerId });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = createdAt.ToUniversalTime() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task AppendAsync(Guid id, long sequence, ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand("INSERT INTO upload_chunks (upload_id, seq, data) VALUES ($1, $2, $3)");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = sequence });
        command.Parameters.Add(new NpgsqlParameter<ReadOnlyMemory<byte>> { TypedValue = chunk, NpgsqlDbType = NpgsqlDbType.Bytea });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task CompleteAsync(Guid id, long bytes, long lines, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand("UPDATE uploads SET completed = true, bytes = $2, lines = $3 WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = bytes });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = lines });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<UploadInfo?> FindAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand("SELECT owner_id, created, completed, bytes, lines FROM uploads WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new UploadInfo(id, reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetBoolean(2), reader.GetInt64(3), reader.GetInt64(4))
            : null;
    }

    public async Task<Stream?> OpenReadAsync(Guid id, CancellationToken cancellationToken) =>
        await FindAsync(id, cancellationToken) is { Completed: true } upload
            ? new ChunkedReadStream(upload.Bytes, UploadChunks.Bytes, (sequence, token) => ReadChunkAsync(id, sequence, token))
            : null;

    public async Task DeleteAsync(Guid id, CancellationToken cancellationToken)
    {
        // Unusable first, so that no task starts reading it half deleted; then its chunks a few at a
        // time, each statement short (within the pool's statement bound) whatever the upload's size;
        // then the row.
        await UploadCommandAsync("UPDATE uploads SET completed = false WHERE id = $1", id, cancellationToken);
        int deleted;
        do
        {
            deleted = await UploadCommandAsync(DeleteSomeChunks, id, cancellationToken);
        }
        while (deleted > 0);

        await UploadCommandAsync("DELETE FROM uploads WHERE id = $1", id, cancellationToken);
    }

    public async Task AddReaderAsync(Guid id, Guid taskId, CancellationToken cancellationToken) =>
        await ReaderCommandAsync("INSERT INTO upload_tasks (upload_id, task_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", id, taskId, cancellationToken);

    public async Task RemoveReaderAsync(Guid id, Guid taskId, CancellationToken cancellationToken) =>
        await ReaderCommandAsync("DELETE FROM upload_tasks WHERE upload_id = $1 AND task_id = $2", id, taskId, cancellationToken);

    public async Task<IReadOnlyList<Guid>> ReadersAsync(Guid id, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand("SELECT task_id FROM upload_tasks WHERE upload_id = $1");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var readers = new List<Guid>();
        while (await reader.ReadAsync(cancellationToken))
        {
            readers.Add(reader.GetGuid(0));
        }

        return readers;
    }

    public async Task<int> PurgeAsync(DateTimeOffset completeBefore, DateTimeOffset incompleteBefore, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand("""
            DELETE FROM uploads u
            WHERE CASE WHEN u.completed THEN u.created < $1 ELSE u.created < $2 END
              AND NOT EXISTS (SELECT 1 FROM upload_tasks t WHERE t.upload_id = u.id)
            """);
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = completeBefore.ToUniversalTime() });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = incompleteBefore.ToUniversalTime() });

        // A large body takes a while to delete: allow for it past the pool's statement bound.
        command.CommandTimeout = 120;
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<ReadOnlyMemory<byte>> ReadChunkAsync(Guid id, long sequence, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand("SELECT data FROM upload_chunks WHERE upload_id = $1 AND seq = $2");
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = sequence });
        return await command.ExecuteScalarAsync(cancellationToken) is byte[] data
            ? data
            : throw new IOException($"Chunk {sequence} of upload {id} is missing: the upload was removed while it was read.");
    }

    private async Task<int> UploadCommandAsync(string sql, Guid id, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task ReaderCommandAsync(string sql, Guid id, Guid taskId, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = taskId });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
