using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace OrleansTasks.Storage;

/// <summary>
/// How long the silo's database takes to answer <c>SELECT 1</c>, measured apart from this
/// process's own load, so that a slow database is not mistaken for a processor too busy to run the
/// silo (both make a task's slices take long). While someone <see cref="Demand"/>s it (a slice
/// took <see cref="Tasks.TasksOptions.SlowDatabaseRoundTrip"/> or longer), a thread of its own times
/// one statement every <see cref="Interval"/> with blocking calls, never waiting in the thread pool's
/// queue behind the silo's work; <see cref="Recent"/> is the shortest of the last few round trips. A
/// starved processor or a garbage collection delays some of them, a slow database (or the network to
/// it) every one. Nothing is measured while nobody asks, nor without a database. Each round trip is
/// recorded in the histogram <see cref="InstrumentName"/> (meter <see cref="Diagnostics.TaskTelemetry.MeterName"/>).
/// </summary>
public sealed partial class DatabaseRoundTrips : IDisposable
{
    /// <summary>The histogram of the round trips measured, in seconds.</summary>
    public const string InstrumentName = "orleans_tasks.database.round_trip";

    /// <summary>The pause between two measurements.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    /// <summary>How long a measurement counts; with 1 s of latency one takes about 1.5 s, opening a connection more.</summary>
    public static readonly TimeSpan Fresh = TimeSpan.FromSeconds(15);

    /// <summary>How recent the newest round trip must be for <see cref="SlowNow"/>: while measuring, one is taken every <see cref="Interval"/> plus the round trip.</summary>
    public static readonly TimeSpan Current = TimeSpan.FromSeconds(5);

    /// <summary>How long measuring goes on after the last <see cref="Demand"/>.</summary>
    public static readonly TimeSpan DemandLasts = TimeSpan.FromSeconds(10);

    private const int Kept = 3;

    private readonly NpgsqlDataSource? _database;
    private readonly TimeProvider _time;
    private readonly ILogger<DatabaseRoundTrips> _logger;
    private readonly Histogram<double>? _measured;
    private readonly Lock _gate = new();
    private readonly Queue<(long At, TimeSpan RoundTrip)> _samples = new();
    private readonly AutoResetEvent _demanded = new(false);
    private readonly CancellationTokenSource _stop = new();
    private Thread? _thread;
    private bool _disposed;
    private long _demandedAt;

    /// <summary>
    /// Measures the database of <paramref name="database"/>; without one (state in memory) it never measures.
    /// With <paramref name="meters"/>, each round trip is recorded in <see cref="InstrumentName"/>.
    /// </summary>
    public DatabaseRoundTrips(TimeProvider time, ILogger<DatabaseRoundTrips> logger, NpgsqlDataSource? database = null, IMeterFactory? meters = null)
    {
        _database = database;
        _time = time;
        _logger = logger;
        _measured = meters?.Create(Diagnostics.TaskTelemetry.MeterName).CreateHistogram(
            InstrumentName,
            unit: "s",
            description: "The database's round trip (SELECT 1), timed on a thread of its own while tasks' slices are slow",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
    }

    /// <summary>
    /// The shortest of the last few round trips, once at least two were measured in the last
    /// <see cref="Fresh"/>; null before that (a database that does not answer gives none), or without one.
    /// </summary>
    public TimeSpan? Recent
    {
        get
        {
            lock (_gate)
            {
                return ShortestFresh();
            }
        }
    }

    /// <summary>
    /// True while the database is known slow now: <see cref="Recent"/> is <paramref name="slowRoundTrip"/> or longer and the newest
    /// round trip was taken in the last <see cref="Current"/>. Measuring stops <see cref="DemandLasts"/> after the last slow
    /// slice while its round trips count for <see cref="Fresh"/>: a database that healed meanwhile is not known to have.
    /// </summary>
    public bool SlowNow(TimeSpan slowRoundTrip)
    {
        lock (_gate)
        {
            var newest = _samples.LastOrDefault();
            return newest.At != 0 && _time.GetElapsedTime(newest.At) <= Current && ShortestFresh() >= slowRoundTrip;
        }
    }

    /// <summary>A round trip just measured.</summary>
    internal void Add(TimeSpan roundTrip)
    {
        lock (_gate)
        {
            _samples.Enqueue((_time.GetTimestamp(), roundTrip));
            if (_samples.Count > Kept)
            {
                _samples.Dequeue();
            }
        }
    }

    /// <summary>Starts measuring, or keeps it going for another <see cref="DemandLasts"/>.</summary>
    public void Demand()
    {
        if (_database is null)
        {
            return;
        }

        Interlocked.Exchange(ref _demandedAt, _time.GetTimestamp());
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            if (_thread is null)
            {
                _thread = new Thread(Measure) { IsBackground = true, Name = "Database round trips" };
                _thread.Start();
            }

            _demanded.Set();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _stop.Cancel();
            if (_thread is null)
            {
                DisposeSignals();
            }
            else
            {
                // The thread ends at its next wait and disposes them.
                _demanded.Set();
            }
        }
    }

    private void Measure()
    {
        var failing = false;
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                if (_time.GetElapsedTime(Interlocked.Read(ref _demandedAt)) > DemandLasts)
                {
                    _demanded.WaitOne();
                    continue;
                }

                if (TimeOne(ref failing) is { } roundTrip)
                {
                    _measured?.Record(roundTrip.TotalSeconds);
                    Add(roundTrip);
                }

                // A pause between measurements, ended early only by the silo stopping.
                _stop.Token.WaitHandle.WaitOne(Interval);
            }
        }
        finally
        {
            lock (_gate)
            {
                DisposeSignals();
            }
        }
    }

    private TimeSpan? ShortestFresh()
    {
        var fresh = _samples.Where(sample => _time.GetElapsedTime(sample.At) <= Fresh).ToList();
        return fresh.Count >= 2 ? fresh.Min(sample => sample.RoundTrip) : null;
    }

    private void DisposeSignals()
    {
        _demanded.Dispose();
        _stop.Dispose();
    }

    /// <summary>One round trip; null when the database did not answer (that is an outage, not slowness).</summary>
    private TimeSpan? TimeOne(ref bool failing)
    {
        try
        {
            // Blocking calls on this thread: the time is the database's and the network's, not a queue's.
            using var connection = _database!.OpenConnection();
            using var command = new NpgsqlCommand("SELECT 1", connection);
            var started = _time.GetTimestamp();
            command.ExecuteScalar();
            var roundTrip = _time.GetElapsedTime(started);
            failing = false;
            return roundTrip;
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            // An escaping exception would end the silo; the database's outage is reported where tasks wait for it.
            if (!failing)
            {
                MeasureFailed(_logger, exception);
                failing = true;
            }

            return null;
        }
    }

    [LoggerMessage(42, LogLevel.Information, "The database's round trip could not be measured; measuring goes on while tasks' slices are slow")]
    private static partial void MeasureFailed(ILogger logger, Exception exception);
}
