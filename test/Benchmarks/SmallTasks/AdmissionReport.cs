using System.Globalization;

namespace OrleansTasks.Benchmarks.SmallTasks;

/// <summary>
/// Prints, as Markdown, the runs with admission rules: the figures of the four sides with the ratios
/// of the ruled side to the plain side and to both Hangfire sides, and what the rules did on each side.
/// </summary>
internal static class AdmissionReport
{
    private static readonly TableColumns<AdmissionRun> Columns = new(
        [
            ("OrleansTasks, 2 silos", run => run.Plain),
            ("OrleansTasks, 2 silos, admission rules", run => run.Ruled),
            ("Hangfire", run => run.Hangfire),
            ("Hangfire, priority queues", run => run.HangfireQueues),
        ],
        [
            ("rules ÷ plain", run => run.Ruled, run => run.Plain),
            ("rules ÷ Hangfire, priority queues", run => run.Ruled, run => run.HangfireQueues),
            ("rules ÷ Hangfire", run => run.Ruled, run => run.Hangfire),
            ("plain ÷ Hangfire", run => run.Plain, run => run.Hangfire),
        ]);

    public static string Settings(int slots) => string.Create(CultureInfo.InvariantCulture,
        $"admission rules: {AdmissionMix.Users} users (task n is user n mod {AdmissionMix.Users}'s), a third each high/normal/low, " +
        $"Tasks:MaxRunningPerUser={AdmissionMix.MaxRunningPerUser}; both OrleansTasks sides at {slots} slots a silo; " +
        $"Hangfire's queues {string.Join(", ", AdmissionMix.Queues)} for high, normal, low");

    public static void PrintRun(int number, AdmissionRun run)
    {
        Console.WriteLine();
        Console.WriteLine($"### Run {number}");
        TasksReport.PrintTables([run], Columns);
        PrintRules([run]);
    }

    public static void PrintSpread(IReadOnlyList<AdmissionRun> runs)
    {
        Console.WriteLine();
        Console.WriteLine($"### Spread over {runs.Count} runs: min–max (median)");
        TasksReport.PrintTables(runs, Columns);
        PrintRules(runs);
    }

    private static void PrintRules(IReadOnlyList<AdmissionRun> runs)
    {
        var rules = runs.Select(run => run.Rules).ToArray();
        string Cell(int side, Func<RulesHeld, double> read, string format) =>
            TasksReport.Spread([.. rules.Select(run => read(run[side].Rules))], format, "");

        Console.WriteLine();
        Console.WriteLine("| what the rules did (user = task n mod 10 on every side) | " + string.Join(" | ", rules[0].Select(side => side.Side.Name)) + " |");
        Console.WriteLine("|---|" + string.Concat(rules[0].Select(_ => "---:|")));
        var lines = new (string Name, Func<RulesHeld, double> Read, string Format)[]
        {
            ("most tasks of one user processing at once", held => held.PeakPerUser, "N0"),
            ("starts past an earlier waiting task of equal or higher priority whose user had one processing", held => held.PassedOver, "N0"),
            ("mean submission → start, high (ms)", held => Wait(held, TaskPriority.High), "N0"),
            ("mean submission → start, normal (ms)", held => Wait(held, TaskPriority.Normal), "N0"),
            ("mean submission → start, low (ms)", held => Wait(held, TaskPriority.Low), "N0"),
        };
        foreach (var (name, read, format) in lines)
        {
            Console.WriteLine($"| {name} | {string.Join(" | ", rules[0].Select((_, side) => Cell(side, read, format)))} |");
        }
    }

    private static double Wait(RulesHeld held, TaskPriority priority) => held.MeanWaitMs.TryGetValue(priority, out var wait) ? wait : double.NaN;
}
