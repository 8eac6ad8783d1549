using Npgsql;

namespace OrleansTasks.Testing.Storm;

/// <summary>
/// Terminates every connection to one database, again and again, until stopped: what a database
/// failover, a restart of a pooler or a network blip looks like from the cluster.
/// </summary>
public sealed class ConnectionStorm : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _run;

    private ConnectionStorm(string adminConnectionString, string database, TimeSpan every)
    {
        _run = RunAsync(adminConnectionString, database, every, _stop.Token);
    }

    /// <summary>Connections terminated so far.</summary>
    public long Terminated { get; private set; }

    /// <summary>Rounds in which at least one connection was terminated.</summary>
    public int Rounds { get; private set; }

    public static ConnectionStorm Start(string adminConnectionString, string database, TimeSpan every) =>
        new(adminConnectionString, database, every);

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await _run;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }

    private async Task RunAsync(string adminConnectionString, string database, TimeSpan every, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(every);
        while (true)
        {
            try
            {
                if (!await timer.WaitForNextTickAsync(stop))
                {
                    return;
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }

            // The admin connection is not pooled and reaches another database, so the storm never ends its own.
            await using var connection = new NpgsqlConnection(adminConnectionString);
            await connection.OpenAsync(CancellationToken.None);
            await using var command = new NpgsqlCommand(
                "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = @database AND pid <> pg_backend_pid()",
                connection);
            command.Parameters.AddWithValue("database", database);
            var terminated = (long)(await command.ExecuteScalarAsync(CancellationToken.None))!;
            Terminated += terminated;
            Rounds += terminated > 0 ? 1 : 0;
        }
    }
}
