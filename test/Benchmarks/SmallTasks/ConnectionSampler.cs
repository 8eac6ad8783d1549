using Npgsql;

namespace OrleansTasks.Benchmarks.SmallTasks;

/// <summary>The most PostgreSQL connections a side held at once, and the most of them busy (not idle).</summary>
internal sealed record ConnectionPeak(int Open, int Active);

/// <summary>
/// Samples <c>pg_stat_activity</c> every 250 ms for one database, from the server's admin database,
/// leaving out the scenario's own watcher (<see cref="WatcherName"/>).
/// </summary>
internal sealed class ConnectionSampler : IAsyncDisposable
{
    /// <summary>The <c>Application Name</c> of the scenario's own connections to a measured database.</summary>
    public const string WatcherName = "tasks-benchmark-watcher";

    private const string CountSql = """
        SELECT count(*)::int, count(*) FILTER (WHERE state IS DISTINCT FROM 'idle')::int
        FROM pg_stat_activity
        WHERE datname = @database AND application_name IS DISTINCT FROM @watcher
        """;

    private static readonly TimeSpan Every = TimeSpan.FromMilliseconds(250);

    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampling;
    private int _open;
    private int _active;

    private ConnectionSampler(string adminConnectionString, string database)
    {
        _sampling = SampleAsync(adminConnectionString, database, _stop.Token);
    }

    public static ConnectionSampler Start(string adminConnectionString, string database) => new(adminConnectionString, database);

    public async Task<ConnectionPeak> StopAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _sampling;
        }
        catch (OperationCanceledException)
        {
            // stopped while sampling
        }

        return new ConnectionPeak(_open, _active);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }

    private async Task SampleAsync(string adminConnectionString, string database, CancellationToken stop)
    {
        await using var connection = new NpgsqlConnection(adminConnectionString);
        await connection.OpenAsync(stop);
        await using var command = new NpgsqlCommand(CountSql, connection);
        command.Parameters.AddWithValue("database", database);
        command.Parameters.AddWithValue("watcher", WatcherName);
        using var timer = new PeriodicTimer(Every);
        do
        {
            await using var reader = await command.ExecuteReaderAsync(stop);
            await reader.ReadAsync(stop);
            _open = Math.Max(_open, reader.GetInt32(0));
            _active = Math.Max(_active, reader.GetInt32(1));
        }
        while (await timer.WaitForNextTickAsync(stop));
    }
}
