using System.Globalization;
using Npgsql;
using OrleansTasks.Benchmarks.SmallTasks;
using OrleansTasks.Testing;

namespace OrleansTasks.Benchmarks.Corpus;

/// <summary>
/// The server's processor time while a phase runs, per kind of process: each backend by its session's
/// <c>application_name</c> (a silo's pools name themselves), else its <c>backend_type</c> (checkpointer,
/// WAL writer...). Sampled twice a second from <c>pg_stat_activity</c> and <c>/proc</c>: a backend that
/// ends between samples loses its last half second, so the sums are a lower bound.
/// </summary>
internal sealed class BackendSampler : IAsyncDisposable
{
    private readonly Dictionary<int, (string Name, TimeSpan First, TimeSpan Last)> _backends = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampling;

    private BackendSampler(string adminConnectionString) => _sampling = SampleAsync(adminConnectionString);

    public static BackendSampler Start(string adminConnectionString) => new(adminConnectionString);

    /// <summary>Stops sampling and answers the time per kind, most first.</summary>
    public async Task<IReadOnlyList<(string Name, TimeSpan Processor)>> StopAsync()
    {
        await _stop.CancelAsync();
        await _sampling;
        return [.. _backends.Values
            .GroupBy(backend => backend.Name)
            .Select(kind => (kind.Key, kind.Aggregate(TimeSpan.Zero, (sum, backend) => sum + backend.Last - backend.First)))
            .OrderByDescending(kind => kind.Item2)];
    }

    private async Task SampleAsync(string adminConnectionString)
    {
        await using var connection = new NpgsqlConnection(adminConnectionString);
        await connection.OpenAsync();
        var first = true;
        await PeriodicLoop.RunAsync(TimeSpan.FromMilliseconds(500), async () =>
        {
            await using var command = new NpgsqlCommand(
                "SELECT pid, coalesce(nullif(application_name, ''), backend_type) FROM pg_stat_activity WHERE pid <> pg_backend_pid()", connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var pid = reader.GetInt32(0);
                var now = ProcessorTime.OfProcess(pid);
                // A process running before sampling began counts from its first sample; one begun since, from zero.
                _backends[pid] = _backends.TryGetValue(pid, out var seen) ? seen with { Last = now } : (reader.GetString(1), first ? now : TimeSpan.Zero, now);
            }

            first = false;
        }, _stop.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _sampling;
        _stop.Dispose();
    }

    public static string Format(IReadOnlyList<(string Name, TimeSpan Processor)> kinds, int documents) =>
        string.Join(", ", kinds.Where(kind => kind.Processor > TimeSpan.Zero)
            .Select(kind => string.Create(CultureInfo.InvariantCulture, $"{kind.Name} {kind.Processor.TotalMilliseconds / documents:F4}")));
}
