using System.Diagnostics;
using System.Globalization;

namespace OrleansTasks.Testing.ClusterFaults;

/// <summary>
/// A paused silo, as a long GC pause or a stopped VM makes one: watched tasks run on a process
/// cluster; the silo running most of them gets SIGSTOP and stays stopped until the cluster has
/// declared it dead and each of its tasks has gone on elsewhere (reactivated by its lease or its
/// watcher's gateway); then SIGCONT. The zombie comes back believing it still hosts those tasks:
/// it must neither change stored state (<see cref="WriteAudit"/>: statements it sends to grain
/// state, documents or task history may be refused, none may change a row) nor publish anything a watcher sees as progress going back or
/// a second end; every task still ends once and every document is written once. The round must
/// also have tempted it: the zombie sent statements after it was declared dead, or a task it ran
/// was still unfinished at SIGCONT.
/// </summary>
public static class PausedSilo
{
    /// <summary>Each task's lease: short, so that a task whose silo died is reactivated within seconds.</summary>
    public static readonly TimeSpan LeasePeriod = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long one REST read of a task may take before the round reads again: a read that reached the
    /// stopped silo waits for the gateway's response timeout (30 s), long after the task went on
    /// elsewhere, and meanwhile the tasks could end, leaving the zombie nothing to be tempted by.
    /// </summary>
    private static readonly TimeSpan ReadPatience = TimeSpan.FromSeconds(3);

    /// <summary>
    /// The time allowed to create each task (its request carries megabytes of documents; 1.8 s each in a run here)
    /// before all start. A task created later starts at once, as all did before.
    /// </summary>
    private static readonly TimeSpan CreationAllowance = TimeSpan.FromSeconds(2);

    public static async Task<PausedSiloOutcome> RunAsync(string database, int silos, int tasks, int documents, TimeSpan deadline)
    {
        var audit = await WriteAudit.InstallAsync(database);
        await using var cluster = RunningCluster.Create(database);
        var names = new Dictionary<ProcessHost, string>();
        for (var i = 0; i < silos; i++)
        {
            var name = string.Create(CultureInfo.InvariantCulture, $"paused-silo-test-{i}");
            names[cluster.StartSilo(new Dictionary<string, string?>
            {
                ["ConnectionStrings:OrleansTasks"] = WriteAudit.ConnectionFor(database, name),
                ["Tasks:LeasePeriod"] = LeasePeriod.ToString(),

                // Short slices, so that tasks still run when the stopped silo resumes: there must be something it could write.
                ["Tasks:SliceBudget"] = "00:00:00.005",
            })] = name;
        }

        cluster.StartGateway();
        await cluster.WaitForActiveSilosAsync(silos);

        // Connected before the tasks exist: BusiestSiloAsync asks the cluster's client, which connects on first use.
        await cluster.ClientAsync();

        // All start together once all are created: created one by one, the first ran meanwhile and could end before the pause.
        var watched = await WatchedTasks.StartAsync(cluster, tasks, documents, deadline, DateTimeOffset.UtcNow + CreationAllowance * tasks);
        await watched.WaitUntilRunningAsync(deadline);
        var (victim, stranded) = await watched.BusiestSiloAsync();

        var pausedAt = await audit.NowAsync();
        await victim.PauseAsync();
        var paused = Stopwatch.GetTimestamp();
        await cluster.WaitForActiveSilosAsync(silos - 1);
        var declaredDead = Stopwatch.GetElapsedTime(paused);
        var deadAt = await audit.NowAsync();

        // Still stopped: each of its tasks must go on without it.
        foreach (var (taskId, before) in stranded)
        {
            await Eventually.TrueAsync(
                $"task {taskId} to go on past {before} documents on another silo while its silo is stopped",
                async () => await watched.CurrentAsync(taskId, ReadPatience) is int current && (current == -1 || current > before),
                deadline);
        }

        var movedOn = Stopwatch.GetElapsedTime(paused);

        // As the database saw it: when another silo first wrote each task the stopped silo was writing just before.
        var takenOver = (await audit.TakenOverAsync(names[victim], "task", pausedAt, TimeSpan.FromSeconds(5)))
            .Select(first => first is { } at ? at - pausedAt : (TimeSpan?)null).ToList();
        // The stopped silo ran each stranded task when it stopped (BusiestSiloAsync reads them running), so
        // the zombie wakes believing it runs them, whether or not another silo has ended them since: a
        // task already ended elsewhere is the case where a stale write would do the most harm. How many
        // were still unfinished is reported, not required: on a slow machine the others may end them first.
        // A read that did not answer in time does not count as unfinished: it cannot vouch for the round.
        var unfinishedAtResume = 0;
        foreach (var (taskId, _) in stranded)
        {
            unfinishedAtResume += await watched.CurrentAsync(taskId, ReadPatience) is int current and not -1 ? 1 : 0;
        }

        await victim.ResumeAsync();
        var resumed = Stopwatch.GetTimestamp();
        var zombieExited = true;
        try
        {
            await victim.WaitForExitAsync(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            zombieExited = false;
        }

        var zombieLife = Stopwatch.GetElapsedTime(resumed);
        var watchedOutcome = await watched.CheckAsync();
        var violations = watchedOutcome.Violations;
        var ended = Stopwatch.GetElapsedTime(paused);
        var zombie = await audit.CountAsync(names[victim], deadAt);
        if (zombie.Writes > 0)
        {
            violations.Add($"the zombie changed stored rows after it was declared dead: {zombie}\n" +
                string.Join('\n', await audit.WritesAsync(names[victim], deadAt)));
        }

        // A zombie that sent nothing after it was declared dead and had no unfinished task to go on with
        // was never tempted to write: the round would pass whatever the product did.
        if (zombie.Attempts == 0 && unfinishedAtResume == 0)
        {
            violations.Add("the zombie had nothing to write: it proved nothing");
        }

        if (!zombieExited)
        {
            violations.Add("the zombie silo was still running 60 s after SIGCONT:\n" + victim.RecentOutput);
        }

        // Its last lines, without the stack traces of its end.
        var zombieOutput = string.Join('\n', victim.Output.Where(line => !line.TrimStart().StartsWith("at ", StringComparison.Ordinal)).TakeLast(40));
        return new PausedSiloOutcome(watchedOutcome, stranded.Count, unfinishedAtResume, declaredDead, takenOver, movedOn, zombieLife, ended, zombie, zombieOutput, violations);
    }
}

/// <summary>
/// What a paused-silo round saw: how many tasks ran on the stopped silo (and how many of them were
/// still unfinished at SIGCONT), when the cluster declared
/// it dead, when another silo first wrote each task it had been writing (as the database saw it;
/// null: never) and when its tasks had gone on elsewhere as they answer over REST (from SIGSTOP), how long the zombie lived after
/// SIGCONT, when every watcher had its end, what the zombie sent to the database, its last output,
/// and every promise broken.
/// </summary>
public sealed record PausedSiloOutcome(
    WatchedOutcome Tasks,
    int Stranded,
    int UnfinishedAtResume,
    TimeSpan DeclaredDead,
    List<TimeSpan?> TakenOver,
    TimeSpan MovedOn,
    TimeSpan ZombieLife,
    TimeSpan Ended,
    AuditCounts Zombie,
    string ZombieOutput,
    List<string> Violations)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"pause: {Tasks.Tasks} tasks, {Stranded} on the stopped silo ({UnfinishedAtResume} unfinished at SIGCONT), {Tasks.Completed} completed, {Tasks.DocumentsWrittenTwice} documents written twice, " +
        $"{Tasks.TerminalsLostOrDoubled} terminal messages lost or doubled; declared dead {DeclaredDead.TotalSeconds:F1} s after SIGSTOP, " +
        $"another silo first wrote them at {string.Join(", ", TakenOver.Select(t => t is { } at ? at.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture) : "never"))} s, " +
        $"they answered over REST as gone on by {MovedOn.TotalSeconds:F1} s, every end heard by {Ended.TotalSeconds:F1} s; the zombie lived {ZombieLife.TotalSeconds:F1} s after SIGCONT, " +
        $"sent {Zombie.StateAttempts} state, {Zombie.ResultAttempts} result chunk, {Zombie.DocumentAttempts} document and {Zombie.HistoryAttempts} history statements and changed {Zombie.Writes} rows; " +
        $"{Violations.Count} promise(s) broken");
}
