using System.Globalization;
using OrleansTasks.Testing;
using OrleansTasks.Testing.ClusterFaults;

namespace OrleansTasks.Benchmarks;

/// <summary>
/// The faults of issue 23 that are built so far, round after round, each round of each fault on a
/// fresh database and process cluster: a paused silo (three silos and a client gateway), 200 ms
/// then 1 s of added database latency for a minute each, and every database connection taken by
/// another client for a minute (two silos each). Prints a line per fault and round that names the
/// fault and its figures, then a summary per fault, and exits non-zero when any task was lost,
/// doubled or stuck, or any other promise was broken.
/// Run: dotnet run -c Release --project test/Benchmarks -- faults [rounds]
/// </summary>
internal static class FaultsProgram
{
    private const int Documents = 10_000;
    private static readonly TimeSpan Phase = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(6);

    public static async Task<int> RunAsync(int rounds)
    {
        await using var postgres = new PostgresServer();
        await postgres.InitializeAsync();
        if (!postgres.IsAvailable)
        {
            Console.WriteLine("faults: PostgreSQL server binaries are needed (sudo apt-get install postgresql)");
            return 1;
        }

        var pauses = new List<PausedSiloOutcome>();
        var slow = new Dictionary<string, List<SlowDatabaseOutcome>> { ["latency"] = [], ["connections"] = [] };
        for (var round = 1; round <= rounds; round++)
        {
            var pause = await PausedSilo.RunAsync(await postgres.CreateDatabaseAsync(), silos: 3, tasks: 6, Documents, Deadline);
            pauses.Add(pause);
            Print(round, pause.ToString(), pause.Violations);
            var latency = await SlowDatabase.LatencyAsync(postgres, silos: 2, tasks: 4, Documents, Phase, Deadline);
            slow["latency"].Add(latency);
            Print(round, latency.ToString(), latency.Tasks.Violations);

            var connections = await SlowDatabase.ConnectionsAsync(silos: 2, tasks: 8, Documents, Phase, Deadline);
            slow["connections"].Add(connections);
            Print(round, connections.ToString(), connections.Tasks.Violations);
        }

        Console.WriteLine(Summary("pause", [.. pauses.Select(p => p.Tasks)], [.. pauses.Select(p => p.MovedOn.TotalSeconds)],
            "from SIGSTOP until every stranded task went on elsewhere") +
            string.Create(CultureInfo.InvariantCulture,
                $"; declared dead {Range(pauses.Select(p => p.DeclaredDead.TotalSeconds))} s after SIGSTOP; rows the zombie changed {pauses.Sum(p => p.Zombie.StateWrites + p.Zombie.DocumentWrites)}, statements it sent {pauses.Sum(p => p.Zombie.StateAttempts + p.Zombie.DocumentAttempts)}"));
        foreach (var (fault, outcomes) in slow)
        {
            Console.WriteLine(Summary(fault, [.. outcomes.Select(o => o.Tasks)], [.. outcomes.Select(o => o.EndedAfterHeal.TotalSeconds)],
                "from the fault's end until every watcher had its end") +
                string.Create(CultureInfo.InvariantCulture, $"; rounds in which a task said it waited for the database {outcomes.Count(o => o.TasksReportingWaiting > 0)}"));
        }

        var broken = pauses.Sum(p => p.Violations.Count) + slow.Values.Sum(list => list.Sum(o => o.Tasks.Violations.Count));
        return broken == 0 ? 0 : 1;
    }

    private static void Print(int round, string outcome, List<string> violations)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round} {outcome}"));
        foreach (var violation in violations)
        {
            Console.WriteLine("  " + violation);
        }
    }

    /// <summary>One fault's rounds in the README's form: tasks completed, written twice, terminals lost or doubled, recovery p50/max.</summary>
    private static string Summary(string fault, List<WatchedOutcome> rounds, List<double> recoverySeconds, string recovery)
    {
        var sorted = recoverySeconds.Order().ToList();
        return string.Create(CultureInfo.InvariantCulture,
            $"{fault}: {rounds.Count} round(s), {rounds.Sum(r => r.Completed)}/{rounds.Sum(r => r.Tasks)} tasks completed, " +
            $"{rounds.Sum(r => r.DocumentsWrittenTwice)} documents written twice, {rounds.Sum(r => r.TerminalsLostOrDoubled)} terminal messages lost or doubled, " +
            $"recovery ({recovery}) p50 {sorted[sorted.Count / 2]:F1} s, max {sorted[^1]:F1} s, {rounds.Sum(r => r.Violations.Count)} promise(s) broken");
    }

    private static string Range(IEnumerable<double> values) =>
        string.Create(CultureInfo.InvariantCulture, $"{values.Min():F1}-{values.Max():F1}");
}
