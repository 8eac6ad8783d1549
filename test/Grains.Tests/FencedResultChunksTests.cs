using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Storage;
using OrleansTasks.Storage;
using OrleansTasks.Tasks;
using OrleansTasks.Testing;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// Result chunks in cluster mode, on a real silo and PostgreSQL: once a task's new activation has
/// fenced off the earlier ones, an earlier activation (a silo paused past its declared death) adds
/// no chunk at all, not even one the new activation has not written yet; chunks an earlier release
/// left as grain-state records are still read and purged.
/// </summary>
public sealed class FencedResultChunksTests(PostgresServer postgres)
{
    private static ResultChunk Chunk(string id, long fence) => new(0, [new DocumentResult(id, DocumentOutcome.Indexed)], fence);

    [Fact]
    public async Task A_fenced_off_activation_writes_no_new_chunk_and_replaces_none_while_the_new_one_writes_both()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var silo = await PostgresSilo.StartAsync(database, "s" + Guid.NewGuid().ToString("N")[..10]);
        var chunks = silo.Services.GetRequiredService<TaskChunkStores>().Results;
        Assert.IsType<PostgresResultChunks>(chunks);
        var taskId = Guid.NewGuid();

        // The earlier activation stored a reservation of 1000 and wrote chunk 0; the new one reads it and fences.
        var earlier = new TaskResults(chunks, taskId);
        await earlier.WriteAsync(0, Chunk("a", 1000));
        var taken = new TaskResults(chunks, taskId);
        await taken.FenceOffEarlierActivationsAsync(1000);

        await Assert.ThrowsAsync<InconsistentStateException>(() => earlier.WriteAsync(1, Chunk("stale-new", 1000)));
        await Assert.ThrowsAsync<InconsistentStateException>(() => earlier.WriteAsync(0, Chunk("stale-redo", 1000)));
        Assert.Equal([0], await NumbersAsync(database, taskId));

        await taken.WriteAsync(0, Chunk("redo", 2000));
        await taken.WriteAsync(1, Chunk("b", 2000));
        var read = await new TaskResults(chunks, taskId).PageAsync(new IndexTaskState { ResultChunkCount = 2 }, 0, 10, null);
        Assert.Equal(["redo", "b"], read.Items.Select(r => r.Id));

        // A fence never goes down: an activation that read an older state, or the same one, raises nothing and changes no row.
        var fenceRow = await FenceRowVersionAsync(database, taskId);
        await taken.FenceOffEarlierActivationsAsync(10);
        await taken.FenceOffEarlierActivationsAsync(1000);
        Assert.Equal(fenceRow, await FenceRowVersionAsync(database, taskId));
        await Assert.ThrowsAsync<InconsistentStateException>(() => earlier.WriteAsync(2, Chunk("stale-after", 1000)));

        // A third activation, after the second stored a reservation of 2000, raises it; the second's chunks are refused from then on.
        var third = new TaskResults(chunks, taskId);
        await third.FenceOffEarlierActivationsAsync(2000);
        Assert.StartsWith("2001 ", await FenceRowVersionAsync(database, taskId), StringComparison.Ordinal);
        await Assert.ThrowsAsync<InconsistentStateException>(() => taken.WriteAsync(2, Chunk("second-after-third", 2000)));
        await third.WriteAsync(2, Chunk("c", 3000));
    }

    /// <summary>The task's fence and the transaction that last wrote its row (<c>xmin</c>, changed by any update).</summary>
    private static async Task<string> FenceRowVersionAsync(string database, Guid taskId)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT fence::text || ' ' || xmin::text FROM task_result_fences WHERE task_id = @task", connection);
        command.Parameters.AddWithValue("task", taskId);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task Chunks_an_earlier_release_stored_as_grain_state_are_read_and_purged_with_the_new_ones()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var silo = await PostgresSilo.StartAsync(database, "s" + Guid.NewGuid().ToString("N")[..10]);
        var chunks = silo.Services.GetRequiredService<TaskChunkStores>().Results;
        var storage = silo.Services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Tasks);
        var taskId = Guid.NewGuid();

        // Chunk 0 as an earlier release wrote it; chunk 1 by this one after the task was taken up.
        await TaskChunkStores.ResultRecords(storage).WriteAsync(taskId, 0, Chunk("old", 0));
        var results = new TaskResults(chunks, taskId);
        await results.FenceOffEarlierActivationsAsync(1);
        await results.WriteAsync(1, Chunk("new", 500));
        var task = new IndexTaskState { ResultChunkCount = 2 };
        var read = await new TaskResults(chunks, taskId).PageAsync(task, 0, 10, null);
        Assert.Equal(["old", "new"], read.Items.Select(r => r.Id));

        await results.DeleteAsync(task);

        Assert.Empty(await NumbersAsync(database, taskId));
        Assert.Null(await TaskChunkStores.ResultRecords(storage).ReadAsync(taskId, 0));
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var fences = new NpgsqlCommand("SELECT count(*) FROM task_result_fences WHERE task_id = @task", connection);
        fences.Parameters.AddWithValue("task", taskId);
        Assert.Equal(0L, await fences.ExecuteScalarAsync());
    }

    private static async Task<List<int>> NumbersAsync(string database, Guid taskId)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT number FROM task_result_chunks WHERE task_id = @task ORDER BY number", connection);
        command.Parameters.AddWithValue("task", taskId);
        var numbers = new List<int>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            numbers.Add(reader.GetInt32(0));
        }

        return numbers;
    }
}
