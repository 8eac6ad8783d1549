using System.Globalization;

namespace OrleansTasks.Benchmarks;

internal static class Stats
{
    public static string Describe(List<double> milliseconds)
    {
        var sorted = milliseconds.Order().ToList();
        double At(double quantile) => sorted[Math.Min(sorted.Count - 1, (int)(quantile * sorted.Count))];
        return string.Create(CultureInfo.InvariantCulture,
            $"n={sorted.Count} p50={At(0.50):F2} ms p95={At(0.95):F2} ms p99={At(0.99):F2} ms max={sorted[^1]:F2} ms");
    }
}
