using System.Globalization;

namespace OrleansTasks.Benchmarks.SmallTasks;

/// <summary>
/// Prints, as Markdown, a run's figures (with OrleansTasks ÷ Hangfire), its goal line and where
/// the time went; over several runs, each cell as min–max (median).
/// </summary>
internal static class TasksReport
{
    private sealed record Row(string Measure, string Unit, string Format, Func<SideResult, double> Read);

    private static readonly Row[] Figures =
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

    private static readonly Row[] Profile =
    [
        .. SideProfile.PartNames.Select(part => new Row($"processor per task: {part}", "ms", "N1",
            side => side.Profile.Parts.TryGetValue(part, out var time) ? PerTask(side, time.TotalMilliseconds) : double.NaN)),
        new("processor per task: other processes on the machine (other sessions' builds and tests)", "ms", "N1",
            side => PerTask(side, side.Profile.Others.TotalMilliseconds)),
        new("machine busy, all processes", "% of 2 cores", "N0", side =>
            100 * (side.Profile.Parts.Values.Sum(time => time.TotalSeconds) + side.Profile.Others.TotalSeconds) / (side.Profile.Wall.TotalSeconds * Environment.ProcessorCount)),
        new("PostgreSQL transactions committed per task", "/task", "N1", side => PerTask(side, side.Profile.Work!.Commits)),
        new("rows inserted per task", "/task", "N1", side => PerTask(side, side.Profile.Work!.Inserted)),
        new("rows updated per task", "/task", "N1", side => PerTask(side, side.Profile.Work!.Updated)),
        new("rows deleted per task", "/task", "N1", side => PerTask(side, side.Profile.Work!.Deleted)),
    ];

    private static readonly TableColumns<TasksRun> Columns = new(
        [("OrleansTasks, 1 silo", run => run.OneSilo), ("OrleansTasks, 2 silos", run => run.TwoSilos), ("Hangfire", run => run.Hangfire)],
        [("1 silo ÷ Hangfire", run => run.OneSilo, run => run.Hangfire), ("2 silos ÷ Hangfire", run => run.TwoSilos, run => run.Hangfire)]);

    public static void PrintRun(int number, TasksRun run)
    {
        Console.WriteLine();
        Console.WriteLine($"### Run {number}");
        PrintTables([run]);
        Console.WriteLine();
        Console.WriteLine(GoalLine(run));
    }

    public static void PrintSpread(IReadOnlyList<TasksRun> runs)
    {
        Console.WriteLine();
        Console.WriteLine($"### Spread over {runs.Count} runs: min–max (median)");
        PrintTables(runs);
        Console.WriteLine();
        Console.WriteLine($"goal met in {runs.Count(run => run.GoalMet)} of {runs.Count} runs");
    }

    public static void PrintOneSiloHeader() => Console.WriteLine(
        "| run | tasks/s | PostgreSQL transactions a task | silo ms a task | gateway ms a task | PostgreSQL ms a task | other processes ms a task | errors | lost | load average before | after |\n" +
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|");

    /// <summary>One line for a one-silo run: throughput, the database's work and processor a task, the load around it.</summary>
    public static void PrintOneSilo(int number, SideResult side, string loadBefore, string loadAfter)
    {
        string Part(string part) => side.Profile.Parts.TryGetValue(part, out var time) ? PerTask(side, time.TotalMilliseconds).ToString("F1", CultureInfo.InvariantCulture) : "–";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {number} | {side.TasksPerSecond:F1} | {PerTask(side, side.Profile.Work!.Commits):F1} | {Part(SideProfile.Silos)} | {Part(SideProfile.Gateway)} | " +
            $"{Part(SideProfile.Postgres)} | {PerTask(side, side.Profile.Others.TotalMilliseconds):F1} | {side.Errors} | {side.Lost} | {loadBefore} | {loadAfter} |"));
    }

    public static string GoalLine(TasksRun run) => string.Create(CultureInfo.InvariantCulture,
        $"goal: ≥ 2× Hangfire's jobs/s, 0 errors, 0 lost, two silos faster than one: {(run.GoalMet ? "met" : "not met")} " +
        $"(2 silos {run.RatioToHangfire(run.TwoSilos):F2}× Hangfire, 1 silo {run.RatioToHangfire(run.OneSilo):F2}×; " +
        $"{run.OrleansTasksErrors} errors; {run.OrleansTasksLost} lost; two silos {run.TwoSilos.TasksPerSecond / run.OneSilo.TasksPerSecond:F2}× one)");

    private static void PrintTables(IReadOnlyList<TasksRun> runs) => PrintTables(runs, Columns);

    /// <summary>The figures and where the time went, a column per side and per ratio, each cell over <paramref name="runs"/>.</summary>
    public static void PrintTables<TRun>(IReadOnlyList<TRun> runs, TableColumns<TRun> columns)
    {
        PrintTable("measure", Figures, runs, columns);
        PrintTable("where the time went (measured phase)", Profile, runs, columns);
    }

    private static void PrintTable<TRun>(string title, Row[] rows, IReadOnlyList<TRun> runs, TableColumns<TRun> columns)
    {
        Console.WriteLine();
        var names = columns.Sides.Select(side => side.Name).Concat(columns.Ratios.Select(ratio => ratio.Name)).ToArray();
        Console.WriteLine($"| {title} | unit | {string.Join(" | ", names)} |");
        Console.WriteLine($"|---|---|{string.Concat(names.Select(_ => "---:|"))}");
        foreach (var row in rows)
        {
            var cells = columns.Sides.Select(side => Spread([.. runs.Select(run => row.Read(side.Side(run)))], row.Format, ""))
                .Concat(columns.Ratios.Select(ratio =>
                    Spread([.. runs.Select(run => row.Read(ratio.Of(run)) / row.Read(ratio.To(run))).Where(double.IsFinite)], "F2", "×")));
            Console.WriteLine($"| {row.Measure} | {row.Unit} | {string.Join(" | ", cells)} |");
        }
    }

    private static double PerTask(SideResult side, double total) => total / side.Tasks.Count;

    /// <summary>min–max (median) of the finite values, or the value alone when they agree; – when none is finite.</summary>
    public static string Spread(double[] values, string format, string suffix)
    {
        var finite = values.Where(double.IsFinite).Order().ToArray();
        if (finite.Length == 0)
        {
            return "–";
        }

        var median = finite.Length % 2 == 1 ? finite[finite.Length / 2] : (finite[finite.Length / 2 - 1] + finite[finite.Length / 2]) / 2;
        var (low, high) = (Format(finite[0], format), Format(finite[^1], format));
        return low == high ? low + suffix : $"{low}–{high}{suffix} ({Format(median, format)}{suffix})";
    }

    private static string Format(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
