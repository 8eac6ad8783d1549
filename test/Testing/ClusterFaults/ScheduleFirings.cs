using System.Globalization;

namespace OrleansTasks.Testing.ClusterFaults;

/// <summary>
/// When each occurrence of some schedules ran, on the test's clock (the machine's): the schedules
/// are read once a second, and an occurrence counts as fired when it first appears among the
/// schedule's runs. Also what each schedule counted as run and skipped, and where it was active.
/// </summary>
public sealed class ScheduleFirings : IAsyncDisposable
{
    private static readonly TimeSpan ReadEvery = TimeSpan.FromSeconds(1);

    private readonly IClusterClient _client;
    private readonly Dictionary<Guid, Dictionary<DateTimeOffset, DateTimeOffset>> _fired = [];
    private readonly Dictionary<Guid, ScheduleSnapshot> _last = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reading;
    private readonly object _gate = new();

    private ScheduleFirings(IClusterClient client, IEnumerable<Guid> schedules)
    {
        _client = client;
        foreach (var schedule in schedules)
        {
            _fired[schedule] = [];
        }

        _reading = ReadAsync();
    }

    public static ScheduleFirings Watch(IClusterClient client, IEnumerable<Guid> schedules) => new(client, schedules);

    /// <summary>Each occurrence of <paramref name="schedule"/> fired so far, with the time it was first seen run.</summary>
    public IReadOnlyDictionary<DateTimeOffset, DateTimeOffset> Fired(Guid schedule)
    {
        lock (_gate)
        {
            return new Dictionary<DateTimeOffset, DateTimeOffset>(_fired[schedule]);
        }
    }

    /// <summary>The schedule as last read.</summary>
    public ScheduleSnapshot? Last(Guid schedule)
    {
        lock (_gate)
        {
            return _last.GetValueOrDefault(schedule);
        }
    }

    /// <summary>Every occurrence fired so far, in order, as "occurrence seen-at(offset)".</summary>
    public string Describe(Guid schedule) => string.Join(", ", Fired(schedule).OrderBy(f => f.Key).Select(f =>
        string.Create(CultureInfo.InvariantCulture, $"{f.Key:HH:mm:ss} at {(f.Value - f.Key).TotalSeconds:+0.0;-0.0} s")));

    private Task ReadAsync() => PeriodicLoop.RunAsync(ReadEvery, ReadOnceAsync, _stop.Token);

    private async Task ReadOnceAsync()
    {
        foreach (var schedule in _fired.Keys)
        {
            try
            {
                if (await _client.GetGrain<IScheduleGrain>(schedule).GetSnapshot() is not { } snapshot)
                {
                    continue;
                }

                var now = DateTimeOffset.UtcNow;
                lock (_gate)
                {
                    _last[schedule] = snapshot;
                    foreach (var run in snapshot.RecentRuns.Where(run => !run.Manual))
                    {
                        _fired[schedule].TryAdd(run.Occurrence, now);
                    }
                }
            }
            catch (Exception exception) when (exception is TimeoutException or OrleansException)
            {
                // A schedule being moved or a silo being busy: read it again at the next turn.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _reading;
        _stop.Dispose();
    }
}
