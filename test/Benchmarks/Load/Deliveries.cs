using HdrHistogram;

namespace OrleansTasks.Benchmarks.Load;

/// <summary>
/// What the generator's sockets received in one measurement window: every socket counts its own
/// messages (no shared counter to fight over); a sample of the sockets also records each message's
/// latency from publish to receipt, so that the generator does not become the bottleneck.
/// </summary>
internal sealed class Deliveries(Func<(long Received, long Events)> totals)
{
    private const long MaxLatencyMicroseconds = 120_000_000;
    private LongConcurrentHistogram _latency = NewHistogram();
    private (long Received, long Events) _atStart;
    private long _windowStart = System.Diagnostics.Stopwatch.GetTimestamp();

    /// <summary>Starts a new window.</summary>
    public void Reset()
    {
        Volatile.Write(ref _latency, NewHistogram());
        _atStart = totals();
        Volatile.Write(ref _windowStart, System.Diagnostics.Stopwatch.GetTimestamp());
    }

    public void RecordLatency(long latencyMicroseconds) =>
        Volatile.Read(ref _latency).RecordValue(Math.Clamp(latencyMicroseconds, 0, MaxLatencyMicroseconds));

    /// <summary>Events received in this window by the sockets that count their topic's events (the first on each).</summary>
    public long CountedEvents => totals().Events - _atStart.Events;

    /// <summary>Messages received in this window by all sockets.</summary>
    public long Received => totals().Received - _atStart.Received;

    public WindowFigures Read()
    {
        var seconds = System.Diagnostics.Stopwatch.GetElapsedTime(Volatile.Read(ref _windowStart)).TotalSeconds;
        var latency = Volatile.Read(ref _latency);
        return new WindowFigures(
            Received / seconds,
            CountedEvents / seconds,
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
