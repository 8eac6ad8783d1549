using System.Diagnostics;
using System.Globalization;
using OrleansTasks.Testing.ClusterFaults;

namespace OrleansTasks.Testing.Partitions;

/// <summary>Which link a <see cref="NetworkPartition"/> cuts.</summary>
public enum PartitionKind
{
    /// <summary>The silo running the most tasks loses the other silos but still reaches PostgreSQL.</summary>
    SiloFromSilos,

    /// <summary>The silo running the most tasks loses PostgreSQL but still reaches the other silos.</summary>
    SiloFromDatabase,

    /// <summary>The gateway loses the silo running the most tasks; the silos still reach each other and PostgreSQL.</summary>
    GatewayFromSilo,
}

/// <summary>
/// A network partition under watched tasks: each silo process runs in a network namespace of its
/// own (<see cref="PartitionNetwork"/>), the client gateway and a plain TCP path to PostgreSQL in
/// this process's namespace; once the tasks run, nftables rules in the namespace of the silo running
/// the most of them drop the traffic <see cref="PartitionKind"/> names, for <c>cut</c>, then the
/// network heals. What must hold (<see cref="WatchedTasks"/>): every task completes once, every
/// document is written once, every watcher hears exactly one end, <c>seq</c> rising and progress
/// never going back, and all that within <see cref="HealBound"/> of the heal; the cut dropped
/// packets; and a silo cut from its peers is declared dead and stops during the cut, and (each silo
/// names itself to PostgreSQL, <see cref="WriteAudit"/>) never changes a grain's state after another
/// silo has changed that grain since the cut began.
/// </summary>
public static class NetworkPartition
{
    /// <summary>How long after the heal every watcher must have heard its task's end.</summary>
    public static readonly TimeSpan HealBound = TimeSpan.FromSeconds(60);

    /// <summary>Each task's lease: short, so that a task whose silo was declared dead is reactivated within seconds.</summary>
    private static readonly TimeSpan LeasePeriod = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The time allowed to create each task (its request carries megabytes of documents; 1.8 s each in a run here)
    /// before all start. A task created later starts at once, as all did before.
    /// </summary>
    private static readonly TimeSpan CreationAllowance = TimeSpan.FromSeconds(2);

    public static async Task<PartitionOutcome> RunAsync(
        string database, PartitionKind kind, int silos, int tasks, int documents, TimeSpan cut, TimeSpan deadline)
    {
        var audit = await WriteAudit.InstallAsync(database);
        await using var network = await PartitionNetwork.CreateAsync(silos);
        await using var path = LatencyProxy.Start(database, network.HostAddress);
        await using var cluster = RunningCluster.Create(database);
        var members = new Dictionary<ProcessHost, (NetworkMember Member, int GatewayPort, string Name)>();
        foreach (var member in network.Members)
        {
            var gatewayPort = PostgresSilo.FreePort();
            var name = string.Create(CultureInfo.InvariantCulture, $"partition-silo-{members.Count}");
            members[cluster.StartSilo(new Dictionary<string, string?>
            {
                ["ConnectionStrings:OrleansTasks"] = WriteAudit.ConnectionFor(path.Through(database), name),
                ["Cluster:AdvertisedAddress"] = member.Address.ToString(),
                ["Cluster:GatewayPort"] = gatewayPort.ToString(CultureInfo.InvariantCulture),
                ["Tasks:LeasePeriod"] = LeasePeriod.ToString(),
            }, networkNamespace: member.Namespace)] = (member, gatewayPort, name);
        }

        cluster.StartGateway();
        await cluster.WaitForActiveSilosAsync(silos);

        // Connected before the tasks exist: BusiestSiloAsync asks the cluster's client, which connects on first use.
        await cluster.ClientAsync();

        // All start together once all are created: created one by one, the first ran meanwhile and could end before the cut.
        var watched = await WatchedTasks.StartAsync(cluster, tasks, documents, deadline, DateTimeOffset.UtcNow + CreationAllowance * tasks);
        await watched.WaitUntilRunningAsync(deadline);
        var (victim, stranded) = await watched.BusiestSiloAsync();
        var (cutMember, cutGatewayPort, cutName) = members[victim];
        IEnumerable<Cut> cuts = kind switch
        {
            PartitionKind.SiloFromSilos => network.Members.Where(m => m != cutMember).Select(m => new Cut(m.Address)),
            PartitionKind.SiloFromDatabase => [new Cut(network.HostAddress, PeerPort: path.Port)],
            PartitionKind.GatewayFromSilo => [new Cut(network.HostAddress, OwnPort: cutGatewayPort)],
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };

        var strandedRunning = await UnfinishedAsync(watched, stranded);
        var cutAt = await audit.NowAsync();
        await cutMember.CutAsync(cuts);

        // The fault lasts its time whatever happens meanwhile, as a real one would.
        await Task.Delay(cut);
        var exitedDuringCut = victim.HasExited;
        var dropped = await cutMember.DroppedAsync();
        await cutMember.HealAsync();
        var healed = Stopwatch.GetTimestamp();
        var outcome = await watched.CheckAsync();
        var ended = Stopwatch.GetElapsedTime(healed);
        if (strandedRunning == 0)
        {
            outcome.Violations.Add(string.Create(CultureInfo.InvariantCulture,
                $"none of the {stranded.Count} tasks of the cut silo was still running just before the cut: it proved nothing"));
        }

        if (dropped.Total == 0)
        {
            outcome.Violations.Add("the cut dropped no packet: it proved nothing");
        }

        if (kind == PartitionKind.SiloFromSilos && !exitedDuringCut)
        {
            outcome.Violations.Add("the silo cut from its peers was not declared dead and stopped during the cut");
        }

        // A silo cut from its peers but still reaching PostgreSQL is the split-brain case: once another silo
        // has changed a grain, the cut one must not change it again (its ETag is stale; a write that
        // succeeds came from an activation made after the takeover).
        if (kind == PartitionKind.SiloFromSilos && await audit.WritesAfterAnotherAsync(cutName, cutAt) is [_, ..] overwrites)
        {
            outcome.Violations.Add($"the cut silo changed grain state another silo had changed since the cut began:\n{string.Join('\n', overwrites)}");
        }

        // Before another silo takes a grain over, the cut silo's ETag-checked writes are legal: a figure, not a violation.
        var declaredDead = await audit.DeclaredDeadAsync(cutMember.Address.ToString());
        var afterDead = declaredDead is { } deadAt ? await audit.CountAsync(cutName, deadAt) : null;

        if (ended > HealBound)
        {
            outcome.Violations.Add(string.Create(CultureInfo.InvariantCulture,
                $"the last watcher heard its end {ended.TotalSeconds:F1} s after the heal, more than {HealBound.TotalSeconds:F0} s"));
        }

        if (outcome.Violations.Count > 0)
        {
            outcome.Violations.Add($"the cut silo's last output:\n{string.Join('\n', victim.Output.Where(line => !line.TrimStart().StartsWith("at ", StringComparison.Ordinal)).TakeLast(40))}");
        }

        return new PartitionOutcome(kind, outcome, stranded.Count, dropped, exitedDuringCut, declaredDead - cutAt, afterDead, cut, ended);
    }

    /// <summary>How many of <paramref name="tasks"/> answer over REST that they have not ended (one not answering cannot vouch for the round).</summary>
    private static async Task<int> UnfinishedAsync(WatchedTasks watched, List<(Guid TaskId, int Current)> tasks)
    {
        var unfinished = 0;
        foreach (var (taskId, _) in tasks)
        {
            unfinished += await watched.CurrentAsync(taskId) is int current and not -1 ? 1 : 0;
        }

        return unfinished;
    }
}

/// <summary>
/// What a partition round saw: the tasks, how many ran on the silo whose link was cut, the packets
/// the cut dropped, whether that silo stopped during the cut (declared dead, as a silo cut from its
/// peers must be), when the membership table called it dead (from the cut's start; null: never) and
/// what it sent to the database after that (statements sent, rows changed), how long the cut lasted
/// and how long after the heal every watcher had heard its end.
/// </summary>
public sealed record PartitionOutcome(
    PartitionKind Kind,
    WatchedOutcome Tasks,
    int Stranded,
    DroppedPackets Dropped,
    bool CutSiloStopped,
    TimeSpan? DeclaredDead,
    AuditCounts? AfterDeclaredDead,
    TimeSpan Cut,
    TimeSpan EndedAfterHeal)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"partition ({Kind}, {Cut.TotalSeconds:F0} s): {Tasks.Tasks} tasks, {Stranded} on the cut silo, {Tasks.Completed} completed, " +
        $"{Tasks.DocumentsWrittenTwice} documents written twice, {Tasks.TerminalsLostOrDoubled} terminal messages lost or doubled; " +
        $"the cut dropped {Dropped}; the cut silo {(CutSiloStopped ? "stopped (declared dead)" : "kept running")}, " +
        $"{((DeclaredDead, AfterDeclaredDead) is ({ } dead, { } after) ? $"declared dead {dead.TotalSeconds:F1} s into the cut and changed {after.Writes} rows after it ({after.Attempts} statements)" : "never declared dead")}; every end heard {EndedAfterHeal.TotalSeconds:F1} s after the heal; " +
        $"{Tasks.Violations.Count} promise(s) broken");
}
