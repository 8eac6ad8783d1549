using Npgsql;

namespace OrleansTasks.Benchmarks.SmallTasks;

/// <summary>
/// Watches a side's own tables for ended tasks with one counting query every 250 ms, so that
/// watching adds next to nothing to the load: the side's REST API or Hangfire's workers are not asked.
/// Waits until <c>expected</c> tasks have ended, or until none has ended for <c>stall</c> after submitting stopped.
/// </summary>
internal static class CompletionWatch
{
    private static readonly TimeSpan Every = TimeSpan.FromMilliseconds(250);

    /// <summary>The measured tasks' rows in a side's <c>documents</c> table, read once the side is done.</summary>
    public static async Task<long> CountDocumentRowsAsync(string connectionString, string phase)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = ConnectionSampler.WatcherName }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM documents WHERE collection LIKE @phase || '-%'", connection);
        command.Parameters.AddWithValue("phase", phase);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <param name="countEnded">SQL returning how many of the measured tasks have ended.</param>
    public static async Task WaitAsync(string connectionString, string countEnded, Task<int> submitted, TimeSpan stall)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = ConnectionSampler.WatcherName, Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(countEnded, connection);
        var ended = -1L;
        var lastChange = DateTime.UtcNow;
        using var timer = new PeriodicTimer(Every);
        while (await timer.WaitForNextTickAsync())
        {
            var now = Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
            if (now != ended)
            {
                ended = now;
                lastChange = DateTime.UtcNow;
            }

            if (!submitted.IsCompleted)
            {
                continue;
            }

            var expected = await submitted;
            if (ended >= expected || DateTime.UtcNow - lastChange > stall)
            {
                return;
            }
        }
    }
}
