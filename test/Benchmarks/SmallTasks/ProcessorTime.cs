using System.Globalization;

namespace OrleansTasks.Benchmarks.SmallTasks;

/// <summary>
/// Processor time from Linux's <c>/proc</c>: of one process (with its waited-for children), of a
/// PostgreSQL server (the postmaster and every backend), and of the whole machine (busy, not idle).
/// </summary>
internal static class ProcessorTime
{
    /// <summary>Linux counts these times in clock ticks of 1/100 s (<c>USER_HZ</c>).</summary>
    private const double TicksPerSecond = 100;

    public static TimeSpan OfProcess(int processId) => Ticks(ReadStat(processId) is { } stat ? stat.Own + stat.Children : 0);

    /// <summary>The postmaster named in the data folder's <c>postmaster.pid</c>, its ended children and its running backends.</summary>
    public static TimeSpan OfPostgres(string dataFolder)
    {
        var postmaster = int.Parse(File.ReadLines(Path.Combine(dataFolder, "postmaster.pid")).First(), CultureInfo.InvariantCulture);
        long ticks = ReadStat(postmaster) is { } own ? own.Own + own.Children : 0;
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(folder), NumberStyles.None, CultureInfo.InvariantCulture, out var processId)
                && ReadStat(processId) is { } stat && stat.Parent == postmaster)
            {
                ticks += stat.Own;
            }
        }

        return Ticks(ticks);
    }

    /// <summary>The machine's busy time over all processors: user, nice, system, interrupts and steal.</summary>
    public static TimeSpan OfMachine()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        long Field(int index) => long.Parse(fields[index], CultureInfo.InvariantCulture);
        return Ticks(Field(1) + Field(2) + Field(3) + Field(6) + Field(7) + Field(8));
    }

    private static TimeSpan Ticks(long ticks) => TimeSpan.FromSeconds(ticks / TicksPerSecond);

    private static (int Parent, long Own, long Children)? ReadStat(int processId)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{processId}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        long Field(int number) => long.Parse(fields[number - 3], CultureInfo.InvariantCulture);
        return ((int)Field(4), Field(14) + Field(15), Field(16) + Field(17));
    }
}
