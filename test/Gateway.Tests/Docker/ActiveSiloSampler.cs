using System.Globalization;
using System.Text.RegularExpressions;

namespace OrleansTasks.Gateway.Tests.Docker;

/// <summary>
/// The active silos a site's <c>/health/ready</c> reports through its front door, sampled every
/// second in the background while an operation runs. "No active silo" is a sample of 0; a request
/// that fails (the front door being replaced) or a gateway that cannot reach the cluster is counted
/// as unanswered, not as a sample.
/// </summary>
public sealed partial class ActiveSiloSampler : IAsyncDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<int> _samples = [];
    private readonly Task _sampling;
    private int _unanswered;

    private ActiveSiloSampler(HttpClient http) => _sampling = SampleAsync(http, _stop.Token);

    public static ActiveSiloSampler Start(HttpClient http) => new(http);

    public IReadOnlyList<int> Samples
    {
        get
        {
            lock (_samples)
            {
                return [.. _samples];
            }
        }
    }

    public int Unanswered => Volatile.Read(ref _unanswered);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _sampling;
        _stop.Dispose();
    }

    public override string ToString() => $"{string.Join(' ', Samples)} ({Unanswered} unanswered)";

    private async Task SampleAsync(HttpClient http, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            if (await ActiveSilosAsync(http, stop) is { } count)
            {
                lock (_samples)
                {
                    _samples.Add(count);
                }
            }
            else if (!stop.IsCancellationRequested)
            {
                Interlocked.Increment(ref _unanswered);
            }

            try
            {
                await Task.Delay(Interval, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static async Task<int?> ActiveSilosAsync(HttpClient http, CancellationToken stop)
    {
        try
        {
            using var response = await http.GetAsync(new Uri("/health/ready", UriKind.Relative), stop);
            var body = await response.Content.ReadAsStringAsync(stop);
            return ActiveSilos().Match(body) is { Success: true } match ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)
                : body.Contains("No active silo", StringComparison.Ordinal) ? 0
                : null;
        }
        catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException)
        {
            return null;
        }
    }

    [GeneratedRegex(@"(\d+) active silo\(s\)")]
    private static partial Regex ActiveSilos();
}
