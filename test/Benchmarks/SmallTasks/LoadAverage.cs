namespace OrleansTasks.Benchmarks.SmallTasks;

/// <summary>The machine's load averages (1, 5 and 15 minutes) as <c>/proc/loadavg</c> gives them, or "–" where there is none.</summary>
internal static class LoadAverage
{
    public static string Read() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "–";
}
