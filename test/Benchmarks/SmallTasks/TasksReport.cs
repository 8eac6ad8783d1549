using System.Globalization;

namespace OrleansTasks.Benchmarks.SmallTasks;

/// <summary>Prints a run's table (with OrleansTasks ÷ Hangfire) and goal line, and the spread over the runs, as Markdown.</summary>
internal static class TasksReport
{
    private sealed record Row(string Measure, string Unit, string Format, Func<SideResult, double> Read);

    private static readonly Row[] Rows =
    [
        new("tasks/s end to end (first submission to last completion)", "/s", "N1", side => side.TasksPerSecond),
        new("accepted/s (submission alone)", "/s", "N1", side => side.AcceptedPerSecond),
        new("submission → start p50", "ms", "N0", side => side.StartPercentile(0.50)),
        new("submission → start p99", "ms", "N0", side => side.StartPercentile(0.99)),
        new("submission → complete p50", "ms", "N0", side => side.CompletePercentile(0.50)),
        new("submission → complete p99", "ms", "N0", side => side.CompletePercentile(0.99)),
        new("PostgreSQL connections open at peak", "connections", "N0", side => side.Connections.Open),
        new("of them busy at peak", "connections", "N0", side => side.Connections.Active),
        new("errors (answers other than 2xx/429, failed tasks or job attempts)", "count", "N0", side => side.Errors),
        new("429 answers (waited Retry-After, retried)", "count", "N0", side => side.Refusals),
        new("lost (not completed)", "count", "N0", side => side.Lost),
        new("document rows written (10 per task: the same work on both sides)", "rows", "N0", side => side.DocumentRows),
        new("end to end", "s", "N1", side => side.EndToEnd.TotalSeconds),
    ];

    private const string Header = "| measure | unit | OrleansTasks, 1 silo | OrleansTasks, 2 silos | Hangfire | 1 silo ÷ Hangfire | 2 silos ÷ Hangfire |\n|---|---|---:|---:|---:|---:|---:|";

    public static void PrintRun(int number, TasksRun run)
    {
        Console.WriteLine();
        Console.WriteLine($"### Run {number}");
        Console.WriteLine();
        Console.WriteLine(Header);
        foreach (var row in Rows)
        {
            var (one, two, hangfire) = (row.Read(run.OneSilo), row.Read(run.TwoSilos), row.Read(run.Hangfire));
            Console.WriteLine($"| {row.Measure} | {row.Unit} | {Format(one, row.Format)} | {Format(two, row.Format)} | {Format(hangfire, row.Format)} | {Ratio(one, hangfire)} | {Ratio(two, hangfire)} |");
        }

        Console.WriteLine();
        Console.WriteLine(GoalLine(run));
    }

    public static string GoalLine(TasksRun run) => string.Create(CultureInfo.InvariantCulture,
        $"goal: ≥ 2× Hangfire's jobs/s, 0 errors, 0 lost, two silos faster than one: {(run.GoalMet ? "met" : "not met")} " +
        $"(2 silos {run.RatioToHangfire(run.TwoSilos):F2}× Hangfire, 1 silo {run.RatioToHangfire(run.OneSilo):F2}×; " +
        $"{run.OrleansTasksErrors} errors; {run.OrleansTasksLost} lost; two silos {run.TwoSilos.TasksPerSecond / run.OneSilo.TasksPerSecond:F2}× one)");

    /// <summary>Each cell as min–max (median) over the runs.</summary>
    public static void PrintSpread(IReadOnlyList<TasksRun> runs)
    {
        Console.WriteLine();
        Console.WriteLine($"### Spread over {runs.Count} runs: min–max (median)");
        Console.WriteLine();
        Console.WriteLine(Header);
        foreach (var row in Rows)
        {
            string Cell(Func<TasksRun, double> read) => Spread(runs.Select(read).ToArray(), row.Format);
            string RatioCell(Func<TasksRun, SideResult> side) =>
                Spread(runs.Select(run => row.Read(side(run)) / row.Read(run.Hangfire)).Where(double.IsFinite).ToArray(), "F2", "×");
            Console.WriteLine($"| {row.Measure} | {row.Unit} | {Cell(run => row.Read(run.OneSilo))} | {Cell(run => row.Read(run.TwoSilos))} | " +
                $"{Cell(run => row.Read(run.Hangfire))} | {RatioCell(run => run.OneSilo)} | {RatioCell(run => run.TwoSilos)} |");
        }

        Console.WriteLine();
        Console.WriteLine($"goal met in {runs.Count(run => run.GoalMet)} of {runs.Count} runs");
    }

    private static string Spread(double[] values, string format, string suffix = "")
    {
        if (values.Length == 0)
        {
            return "–";
        }

        var sorted = values.Order().ToArray();
        var median = sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
        return sorted[0] == sorted[^1]
            ? Format(sorted[0], format) + suffix
            : $"{Format(sorted[0], format)}–{Format(sorted[^1], format)}{suffix} ({Format(median, format)}{suffix})";
    }

    private static string Format(double value, string format) =>
        double.IsFinite(value) ? value.ToString(format, CultureInfo.InvariantCulture) : "–";

    private static string Ratio(double value, double peer) =>
        peer == 0 || !double.IsFinite(value / peer) ? "–" : (value / peer).ToString("F2", CultureInfo.InvariantCulture) + "×";
}
