using Npgsql;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// Samples the server's client connections every 50 ms over one connection of its own until stopped:
/// the peak of all of them, and of the product's (its pools name themselves <c>OrleansTasks …</c>).
/// </summary>
internal sealed class ConnectionSampler : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task<(int Product, int Server)> _sampling;

    private ConnectionSampler(string adminConnectionString) => _sampling = SampleAsync(adminConnectionString, _stop.Token);

    public static ConnectionSampler Start(string adminConnectionString) => new(adminConnectionString);

    /// <summary>Stops sampling; the peaks seen.</summary>
    public async Task<(int Product, int Server)> StopAsync()
    {
        await _stop.CancelAsync();
        return await _sampling;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_sampling.IsCompleted)
        {
            await StopAsync();
        }

        _stop.Dispose();
    }

    private static async Task<(int Product, int Server)> SampleAsync(string adminConnectionString, CancellationToken stop)
    {
        await using var connection = new NpgsqlConnection(adminConnectionString);
        await connection.OpenAsync(CancellationToken.None);
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FILTER (WHERE application_name LIKE 'OrleansTasks %'), count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'",
            connection);
        var (product, server) = (0, 0);
        while (!stop.IsCancellationRequested)
        {
            await using (var reader = await command.ExecuteReaderAsync(CancellationToken.None))
            {
                await reader.ReadAsync(CancellationToken.None);
                product = Math.Max(product, (int)reader.GetInt64(0));
                server = Math.Max(server, (int)reader.GetInt64(1));
            }

            try
            {
                await Task.Delay(50, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return (product, server);
    }
}
