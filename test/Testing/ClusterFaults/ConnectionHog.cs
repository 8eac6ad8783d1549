using Npgsql;

namespace OrleansTasks.Testing.ClusterFaults;

/// <summary>
/// Another client exhausting the server's connection limit: it ends every session of the product's
/// database and takes every slot the server has (as its superuser, the reserve too), again and
/// again until stopped, so that each connection the product opens is refused ("too many clients")
/// for as long as the hog runs.
/// </summary>
public sealed class ConnectionHog : IAsyncDisposable
{
    private readonly List<NpgsqlConnection> _held = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _run;

    private ConnectionHog(string adminConnectionString, string database)
    {
        _run = Task.Run(() => RunAsync(adminConnectionString, database));
    }

    /// <summary>The most connections the hog held at once.</summary>
    public int Held { get; private set; }

    public static ConnectionHog Start(string adminConnectionString, string database) => new(adminConnectionString, database);

    /// <summary>Stops taking slots and gives back every connection held.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await _run;
        foreach (var connection in _held)
        {
            await connection.DisposeAsync();
        }

        _held.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync();
        }

        _stop.Dispose();
    }

    private async Task RunAsync(string adminConnectionString, string database)
    {
        var admin = new NpgsqlConnectionStringBuilder(adminConnectionString) { Pooling = false, ApplicationName = "connection hog" }.ConnectionString;
        while (!_stop.IsCancellationRequested)
        {
            // Take every free slot, then end the product's sessions and take theirs as they free up.
            while (!_stop.IsCancellationRequested && await TryOpenAsync(admin) is { } connection)
            {
                _held.Add(connection);
                Held = Math.Max(Held, _held.Count);
            }

            if (_held.Count > 0)
            {
                await using var terminate = new NpgsqlCommand(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = @database", _held[0]);
                terminate.Parameters.AddWithValue("database", database);
                await terminate.ExecuteScalarAsync();
            }

            try
            {
                // The hog's own pace between rounds, not a wait for a condition.
                await Task.Delay(TimeSpan.FromMilliseconds(100), _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static async Task<NpgsqlConnection?> TryOpenAsync(string connectionString)
    {
        var connection = new NpgsqlConnection(connectionString);
        try
        {
            await connection.OpenAsync();
            return connection;
        }
        catch (PostgresException exception) when (exception.SqlState is PostgresErrorCodes.TooManyConnections)
        {
            await connection.DisposeAsync();
            return null;
        }
    }
}
