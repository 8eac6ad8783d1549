using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using Orleans.Serialization;
using Orleans.Storage;
using OrleansTasks.Storage.Faults;

namespace OrleansTasks.Storage;

/// <summary>
/// Result chunks of cluster mode in their own table, each write checked against the task's fence in
/// the same statement (see <see cref="IResultChunks"/> and migration 0014). Chunks an earlier release
/// wrote as grain-state records are read and deleted through <paramref name="legacy"/>.
/// </summary>
public sealed class PostgresResultChunks(
    NpgsqlDataSource database,
    Serializer<ResultChunk> serializer,
    GrainStorageResultChunks legacy,
    ILogger<PostgresResultChunks> logger) : IResultChunks
{
    /// <summary>
    /// The fence row is locked for share: a raise in flight is waited for, and its new fence is the
    /// one compared.
    /// </summary>
    private const string WriteSql = """
        INSERT INTO task_result_chunks AS c (task_id, number, fence, payload)
        SELECT @task, @number, @fence, @payload
        WHERE NOT EXISTS (SELECT 1 FROM task_result_fences f WHERE f.task_id = @task AND f.fence > @fence FOR SHARE)
        ON CONFLICT (task_id, number) DO UPDATE
        SET fence = excluded.fence, payload = excluded.payload, written_at = now()
        WHERE c.fence <= excluded.fence
        RETURNING 1
        """;

    /// <summary>A fence only rises: a raise to it or below, from an activation that read an older state, changes no row.</summary>
    private const string RaiseSql = """
        INSERT INTO task_result_fences AS f (task_id, fence) VALUES (@task, @fence)
        ON CONFLICT (task_id) DO UPDATE SET fence = excluded.fence
        WHERE f.fence < excluded.fence
        """;

    private const string ReadSql = "SELECT payload FROM task_result_chunks WHERE task_id = @task AND number = @number";

    private const string DeleteSql = """
        WITH fence AS (DELETE FROM task_result_fences WHERE task_id = @task)
        DELETE FROM task_result_chunks WHERE task_id = @task RETURNING number
        """;

    public Task<ResultChunk?> ReadAsync(Guid taskId, int number) =>
        StorageFaults.GuardAsync(async () =>
        {
            await using var command = database.CreateCommand(ReadSql);
            command.Parameters.AddWithValue("task", taskId);
            command.Parameters.AddWithValue("number", number);
            return await command.ExecuteScalarAsync() is byte[] payload
                ? serializer.Deserialize(payload)
                : await legacy.ReadAsync(taskId, number);
        }, logger, "reading a result chunk", taskId);

    public Task WriteAsync(Guid taskId, int number, ResultChunk chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        return StorageFaults.GuardAsync(async () =>
        {
            await using var command = database.CreateCommand(WriteSql);
            command.Parameters.AddWithValue("task", taskId);
            command.Parameters.AddWithValue("number", number);
            command.Parameters.AddWithValue("fence", chunk.Fence);
            command.Parameters.AddWithValue("payload", NpgsqlDbType.Bytea, serializer.SerializeToArray(chunk));
            if (await command.ExecuteScalarAsync() is null)
            {
                throw new InconsistentStateException($"Result chunk {number} of task {taskId} is refused: a newer activation holds the task (fence above {chunk.Fence}); this one is stale.");
            }
        }, logger, "writing a result chunk", taskId);
    }

    public Task RaiseFenceAsync(Guid taskId, long fence) =>
        StorageFaults.GuardAsync(async () =>
        {
            await using var command = database.CreateCommand(RaiseSql);
            command.Parameters.AddWithValue("task", taskId);
            command.Parameters.AddWithValue("fence", fence);
            await command.ExecuteNonQueryAsync();
        }, logger, "raising a task's fence", taskId);

    public async Task DeleteAsync(Guid taskId, int count)
    {
        var deleted = new HashSet<int>();
        await StorageFaults.GuardAsync(async () =>
        {
            await using var command = database.CreateCommand(DeleteSql);
            command.Parameters.AddWithValue("task", taskId);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                deleted.Add(reader.GetInt32(0));
            }
        }, logger, "deleting result chunks", taskId);

        // Only a task begun by an earlier release has chunks left as grain-state records.
        if (deleted.Count < count)
        {
            for (var number = 0; number < count; number++)
            {
                if (!deleted.Contains(number))
                {
                    await legacy.DeleteOneAsync(taskId, number);
                }
            }
        }
    }
}
