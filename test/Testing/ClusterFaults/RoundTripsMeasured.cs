using System.Globalization;

namespace OrleansTasks.Testing.ClusterFaults;

/// <summary>
/// The database round trips silos measured (the histogram <c>orleans_tasks.database.round_trip</c>
/// on each silo's <c>/metrics</c>, <c>Silo:MetricsUrls</c>): how many, and how many took at most
/// the threshold they were read against. Counts since an earlier reading: <see cref="Since"/>.
/// </summary>
public sealed record RoundTripsMeasured(long Count, long Quick)
{
    private const string Series = "orleans_tasks_database_round_trip_seconds";
    private static readonly TimeSpan ScrapeDeadline = TimeSpan.FromSeconds(60);

    public RoundTripsMeasured Since(RoundTripsMeasured earlier)
    {
        ArgumentNullException.ThrowIfNull(earlier);
        return new(Count - earlier.Count, Quick - earlier.Quick);
    }

    /// <summary>
    /// The silos' histograms on <paramref name="metricsPorts"/> added up, <see cref="Quick"/> counting
    /// the round trips of at most <paramref name="quick"/> (a bucket's bound). A silo that measured
    /// nothing yet shows no series and counts 0.
    /// </summary>
    public static async Task<RoundTripsMeasured> ReadAsync(IEnumerable<int> metricsPorts, TimeSpan quick)
    {
        ArgumentNullException.ThrowIfNull(metricsPorts);
        var total = new RoundTripsMeasured(0, 0);
        using var scraper = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        foreach (var port in metricsPorts)
        {
            var text = "";
            // A starved silo answers slowly: its reading is awaited, not given up on.
            await Eventually.TrueAsync($"the metrics of the silo on port {port}", async () =>
            {
                try
                {
                    text = await scraper.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"));
                    return true;
                }
                catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
                {
                    return false;
                }
            }, ScrapeDeadline);
            var silo = Parse(text, quick);
            total = new RoundTripsMeasured(total.Count + silo.Count, total.Quick + silo.Quick);
        }

        return total;
    }

    private static RoundTripsMeasured Parse(string metrics, TimeSpan quick)
    {
        long count = 0;
        var quickBound = double.NegativeInfinity;
        long quickCount = 0;
        foreach (var line in metrics.Split('\n'))
        {
            if (line.StartsWith(Series + "_count", StringComparison.Ordinal))
            {
                count += Value(line);
            }
            else if (line.StartsWith(Series + "_bucket", StringComparison.Ordinal) && Bound(line) is { } bound && bound <= quick.TotalSeconds + 1e-9)
            {
                // Buckets are cumulative: the largest bound within the threshold counts every quick one.
                if (bound > quickBound)
                {
                    (quickBound, quickCount) = (bound, Value(line));
                }
            }
        }

        return new RoundTripsMeasured(count, quickCount);
    }

    private static long Value(string line) =>
        (long)double.Parse(line[(line.IndexOf('}', StringComparison.Ordinal) + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);

    private static double? Bound(string line)
    {
        var at = line.IndexOf("le=\"", StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        var bound = line[(at + 4)..line.IndexOf('"', at + 4)];
        return double.TryParse(bound, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Count} round trips measured, {Quick} of them quick");
}
