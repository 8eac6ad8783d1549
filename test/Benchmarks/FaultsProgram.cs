using System.Globalization;
using OrleansTasks.Testing;
using OrleansTasks.Testing.ClusterFaults;
using OrleansTasks.Testing.Partitions;

namespace OrleansTasks.Benchmarks;

/// <summary>
/// The faults of issue 23 that are built so far, round after round, each round of each fault on a
/// fresh database and process cluster: a paused silo (three silos and a client gateway), 200 ms
/// then 1 s of added database latency for a minute each, every database connection taken by
/// another client for a minute (two silos each), and three network partitions of 30 s (three
/// silos in network namespaces: one cut from the others, one cut from PostgreSQL, the gateway cut
/// from one; needs root, iproute2 and nftables), and a silo whose clock runs two minutes ahead
/// (three silos, one under libfaketime; needs Debian's faketime). Prints a line per fault and round that names the
/// fault and its figures, then a summary per fault, and exits non-zero when any task was lost,
/// doubled or stuck, any other promise was broken, or a latency round fell short of
/// <see cref="LatencyFloors"/> (the documents/s floors <c>SlowDatabaseTests</c> asserts).
/// Run: dotnet run -c Release --project test/Benchmarks -- faults [rounds] [pause|latency|connections|partition|clock ...]
/// </summary>
internal static class FaultsProgram
{
    private const int Documents = 10_000;
    private static readonly TimeSpan Phase = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(6);
    private static readonly TimeSpan PartitionCut = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan ClockAhead = TimeSpan.FromMinutes(2);

    private static readonly string[] Faults = ["pause", "latency", "connections", "partition", "clock"];

    /// <summary><c>[rounds] [fault ...]</c>: 5 rounds by default, of every fault unless some are named.</summary>
    public static Task<int> RunAsync(string[] arguments)
    {
        var rounds = arguments is [var first, ..] && int.TryParse(first, CultureInfo.InvariantCulture, out var count) ? count : 5;
        var named = arguments.SkipWhile(argument => int.TryParse(argument, CultureInfo.InvariantCulture, out _)).ToHashSet();
        if (named.Except(Faults).ToList() is [_, ..] unknown)
        {
            Console.WriteLine($"faults: unknown fault(s) {string.Join(", ", unknown)}; known: {string.Join(", ", Faults)}");
            return Task.FromResult(2);
        }

        return RunAsync(rounds, named.Count == 0 ? [.. Faults] : named);
    }

    private static async Task<int> RunAsync(int rounds, HashSet<string> faults)
    {
        await using var postgres = new PostgresServer();
        await postgres.InitializeAsync();
        if (!postgres.IsAvailable)
        {
            Console.WriteLine("faults: PostgreSQL server binaries are needed (sudo apt-get install postgresql)");
            return 1;
        }

        var partitionsMissing = faults.Contains("partition") ? NetworkCommands.Missing() : null;
        if (partitionsMissing is not null)
        {
            Console.WriteLine($"partition: cannot run here ({partitionsMissing}); the other faults run, and the command fails");
        }

        var clockMissing = faults.Contains("clock") ? FakeClock.Missing() : null;
        if (clockMissing is not null)
        {
            Console.WriteLine($"clock: cannot run here ({clockMissing}); the other faults run, and the command fails");
        }

        var partitions = Enum.GetValues<PartitionKind>().ToDictionary(kind => kind, _ => new List<PartitionOutcome>());
        var pauses = new List<PausedSiloOutcome>();
        var slow = new Dictionary<string, List<SlowDatabaseOutcome>> { ["latency"] = [], ["connections"] = [] };
        var clocks = new List<ClockSkewOutcome>();
        var latencyShortfalls = new List<int>();
        for (var round = 1; round <= rounds; round++)
        {
            if (faults.Contains("pause"))
            {
                var pause = await PausedSilo.RunAsync(await postgres.CreateDatabaseAsync(), silos: 3, tasks: 6, Documents, Deadline);
                pauses.Add(pause);
                Print(round, pause.ToString(), pause.Violations);
            }

            if (faults.Contains("latency"))
            {
                var latency = await SlowDatabase.LatencyAsync(postgres, silos: 2, tasks: 16, Documents, Phase, Deadline);
                slow["latency"].Add(latency);
                var shortfalls = LatencyFloors.Shortfalls(latency);
                latencyShortfalls.Add(shortfalls.Count);
                Print(round, latency.ToString(), [.. latency.Tasks.Violations, .. shortfalls]);
            }

            if (faults.Contains("connections"))
            {
                var connections = await SlowDatabase.ConnectionsAsync(silos: 2, tasks: 8, Documents, Phase, Deadline);
                slow["connections"].Add(connections);
                Print(round, connections.ToString(), connections.Tasks.Violations);
            }

            foreach (var kind in partitions.Keys.Where(_ => faults.Contains("partition") && partitionsMissing is null))
            {
                var partition = await NetworkPartition.RunAsync(await postgres.CreateDatabaseAsync(), kind, silos: 3, tasks: 9, Documents, PartitionCut, Deadline);
                partitions[kind].Add(partition);
                Print(round, partition.ToString(), partition.Tasks.Violations);
            }

            if (faults.Contains("clock") && clockMissing is null)
            {
                var clock = await ClockSkew.RunAsync(await postgres.CreateDatabaseAsync(), ClockAhead, tasks: 6, Documents, Deadline);
                clocks.Add(clock);
                Print(round, clock.ToString(), clock.Violations);
            }
        }

        if (pauses.Count > 0)
        {
            Console.WriteLine(Summary("pause", [.. pauses.Select(p => p.Tasks)], [.. pauses.Select(p => p.MovedOn.TotalSeconds)],
                "from SIGSTOP until every stranded task went on elsewhere") +
                string.Create(CultureInfo.InvariantCulture,
                    $"; declared dead {Range(pauses.Select(p => p.DeclaredDead.TotalSeconds))} s after SIGSTOP; rows the zombie changed {pauses.Sum(p => p.Zombie.Writes)}, statements it sent {pauses.Sum(p => p.Zombie.Attempts)}; rounds with a stranded task unfinished at SIGCONT {pauses.Count(p => p.UnfinishedAtResume > 0)}"));
        }

        foreach (var (fault, outcomes) in slow.Where(s => s.Value.Count > 0))
        {
            Console.WriteLine(Summary(fault, [.. outcomes.Select(o => o.Tasks)], [.. outcomes.Select(o => o.EndedAfterHeal.TotalSeconds)],
                "from the fault's end until every watcher had its end") +
                string.Create(CultureInfo.InvariantCulture, $"; rounds in which a task said it waited for the database {outcomes.Count(o => o.TasksReportingWaiting > 0)}") +
                (fault == "latency" ? string.Create(CultureInfo.InvariantCulture, $"; rounds short of the floors ({LatencyFloors.At200Milliseconds} documents/s at 200 ms, {LatencyFloors.AtOneSecond} at 1 s) {latencyShortfalls.Count(count => count > 0)}") : ""));
        }

        foreach (var (kind, outcomes) in partitions.Where(p => p.Value.Count > 0))
        {
            Console.WriteLine(Summary($"partition ({kind})", [.. outcomes.Select(o => o.Tasks)], [.. outcomes.Select(o => o.EndedAfterHeal.TotalSeconds)],
                "from the heal until every watcher had its end") +
                string.Create(CultureInfo.InvariantCulture, $"; rounds in which the cut silo stopped {outcomes.Count(o => o.CutSiloStopped)}"));
        }

        if (clocks.Count > 0)
        {
            // Nothing recovers from a clock running ahead: the figure is how early the fast silo ran the schedules it held.
            Console.WriteLine(Summary("clock", [.. clocks.Select(c => c.Tasks)], [.. clocks.Select(c => c.Duration.TotalSeconds)], "the round's length") +
                string.Create(CultureInfo.InvariantCulture,
                    $"; tickets accepted at once {clocks.Sum(c => c.Tickets.Count(t => t.FirstAccepted == true))} of {clocks.Sum(c => c.Tickets.Count(t => t.FirstAccepted is not null))} " +
                    $"({clocks.Sum(c => c.TicketsOnFastSilo)} held by the fast silo), accepted twice or late {clocks.Sum(c => c.Tickets.Count(t => t.AgainAccepted == true || t.LateAccepted == true))}; " +
                    $"occurrences skipped when a schedule moved onto the fast silo {string.Join(", ", clocks.Select(c => c.Schedules[1].Skipped))}"));
        }

        var broken = pauses.Sum(p => p.Violations.Count) + slow.Values.Sum(list => list.Sum(o => o.Tasks.Violations.Count))
            + partitions.Values.Sum(list => list.Sum(o => o.Tasks.Violations.Count)) + clocks.Sum(c => c.Violations.Count) + latencyShortfalls.Sum();
        return broken == 0 && partitionsMissing is null && clockMissing is null ? 0 : 1;
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
