using HdrHistogram;

namespace OrleansTasks.Benchmarks.Load;

/// <summary>What the generator's sockets received in one measurement window: counts and publish→receipt latency.</summary>
internal sealed class Deliveries
{
    private const long MaxLatencyMicroseconds = 120_000_000;
    private LongConcurrentHistogram _latency = NewHistogram();
    private long _received;
    private long _events;
    private long _windowStart = System.Diagnostics.Stopwatch.GetTimestamp();

    /// <summary>Starts a new window.</summary>
    public void Reset()
    {
        Volatile.Write(ref _latency, NewHistogram());
        Interlocked.Exchange(ref _received, 0);
        Interlocked.Exchange(ref _events, 0);
        Volatile.Write(ref _windowStart, System.Diagnostics.Stopwatch.GetTimestamp());
    }

    /// <param name="counted">Whether this socket is the one that counts its topic's events (the first on each topic).</param>
    public void Record(long latencyMicroseconds, bool counted)
    {
        Volatile.Read(ref _latency).RecordValue(Math.Clamp(latencyMicroseconds, 0, MaxLatencyMicroseconds));
        Interlocked.Increment(ref _received);
        if (counted)
        {
            Interlocked.Increment(ref _events);
        }
    }

    /// <summary>Events received by the sockets that count their topic's events, in this window.</summary>
    public long CountedEvents => Interlocked.Read(ref _events);

    public WindowFigures Read()
    {
        var seconds = System.Diagnostics.Stopwatch.GetElapsedTime(Volatile.Read(ref _windowStart)).TotalSeconds;
        var latency = Volatile.Read(ref _latency);
        return new WindowFigures(
            Interlocked.Read(ref _received) / seconds,
            Interlocked.Read(ref _events) / seconds,
            Milliseconds(latency, 50),
            Milliseconds(latency, 99),
            Milliseconds(latency, 99.9),
            latency.TotalCount);
    }

    private static double Milliseconds(HistogramBase histogram, double percentile) =>
        histogram.TotalCount == 0 ? double.NaN : histogram.GetValueAtPercentile(percentile) / 1000.0;

    private static LongConcurrentHistogram NewHistogram() => new(1, MaxLatencyMicroseconds, 3);
}

internal sealed record WindowFigures(double DeliveriesPerSecond, double EventsPerSecond, double P50, double P99, double P999, long Samples);
