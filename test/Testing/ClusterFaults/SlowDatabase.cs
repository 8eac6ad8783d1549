using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace OrleansTasks.Testing.ClusterFaults;

/// <summary>
/// A database that gets slow rather than dies, while watched tasks run on a process cluster:
/// <list type="bullet">
/// <item>latency: every process reaches PostgreSQL only through a <see cref="LatencyProxy"/>,
/// which adds 200 ms to every round trip for one phase and 1 s for the next, then none;</item>
/// <item>connections: another client takes every connection the server allows
/// (<see cref="ConnectionHog"/>) for one phase, then gives them back.</item>
/// </list>
/// Tasks slow down and say so ("Waiting for the database", whether a slice cannot reach it or its
/// round trips are slow); nothing that would have succeeded fails and nothing is written twice
/// (<see cref="WatchedTasks"/>). Each phase's pace is measured, and which tasks said, over REST
/// while the phase lasted, that they waited for a slow database.
/// </summary>
public static class SlowDatabase
{
    private const string WaitingForTheDatabase = "Waiting for the database";

    /// <summary>What a task says while the database's round trips are slow.</summary>
    public const string WaitingForASlowDatabase = "Waiting for the database, which is slow";

    // Two slots a silo, as the tests' task counts were chosen for: some tasks wait behind the running ones.
    private static readonly Dictionary<string, string?> Lease = new() { ["Tasks:LeasePeriod"] = "00:00:05", ["Tasks:MaxRunningPerSilo"] = "2" };

    /// <summary>How long the tasks' pace is measured before the fault: short, so that they are still running when it starts.</summary>
    private static readonly TimeSpan Before = TimeSpan.FromSeconds(4);

    public static async Task<SlowDatabaseOutcome> LatencyAsync(PostgresServer postgres, int silos, int tasks, int documents, TimeSpan phase, TimeSpan deadline)
    {
        ArgumentNullException.ThrowIfNull(postgres);
        await using var path = LatencyProxy.Start(postgres.AdminConnectionString);
        var database = await postgres.CreateDatabaseAsync();
        var through = new Dictionary<string, string?> { ["ConnectionStrings:OrleansTasks"] = path.Through(database) };
        await using var cluster = await RunningCluster.StartAsync(database, silos, new Dictionary<string, string?>(Lease.Concat(through)), through);
        // All start together once all are created: created one by one (megabytes of documents each), the first
        // tasks ran meanwhile, and on a quick machine every task had ended before the 1 s step began.
        var watched = await WatchedTasks.StartAsync(cluster, tasks, documents, deadline, DateTimeOffset.UtcNow.AddSeconds(3 * tasks));
        await watched.WaitUntilRunningAsync(deadline, atLeast: 1);

        var rates = new List<PhaseRate> { await RateAsync("none", watched, Before) };
        var unfinished = await watched.UnfinishedAsync();
        var endedEarly = new List<string>();
        foreach (var latency in new[] { TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1) })
        {
            if (await watched.UnfinishedAsync() == 0)
            {
                endedEarly.Add(string.Create(CultureInfo.InvariantCulture, $"every task had ended before the {latency.TotalMilliseconds:F0} ms step began: it measured nothing"));
            }

            path.SetLatency(latency);
            rates.Add(await RateAsync(string.Create(CultureInfo.InvariantCulture, $"{latency.TotalMilliseconds:F0} ms"), watched, phase));
        }

        path.SetLatency(TimeSpan.Zero);
        var healed = Stopwatch.GetTimestamp();
        var outcome = await watched.CheckAsync();
        if (unfinished == 0)
        {
            outcome.Violations.Add("every task had ended before the fault began: it proved nothing");
        }

        outcome.Violations.AddRange(endedEarly);
        return new SlowDatabaseOutcome("latency", outcome, Stopwatch.GetElapsedTime(healed), WaitingReported(watched), rates);
    }

    /// <summary>
    /// The opposite case, which must not pass for a slow database: the database is quick, but each
    /// silo process gets only <paramref name="processors"/> of a processor (<see cref="CpuQuota"/>)
    /// for the phase, so that its slices take long with little processor used. What the silos'
    /// probes measured while starved is read from their metrics (<see cref="SlowDatabaseOutcome.Probed"/>),
    /// quick being under <paramref name="slowRoundTrip"/>: no task saying so proves nothing unless they measured.
    /// </summary>
    public static async Task<SlowDatabaseOutcome> StarvedAsync(
        PostgresServer postgres, int silos, int tasks, int documents, double processors, TimeSpan slowRoundTrip, TimeSpan phase, TimeSpan deadline)
    {
        ArgumentNullException.ThrowIfNull(postgres);
        var database = await postgres.CreateDatabaseAsync();
        var metricsPorts = Enumerable.Range(0, silos).Select(_ => FreePorts.Next()).ToList();
        await using var cluster = RunningCluster.Create(database);
        foreach (var port in metricsPorts)
        {
            cluster.StartSilo(new Dictionary<string, string?>(Lease) { ["Silo:MetricsUrls"] = $"http://127.0.0.1:{port}" });
        }

        cluster.StartGateway();
        await cluster.WaitForActiveSilosAsync(silos);
        // All start together once all are created: created one by one, the first ended before the last was
        // created on a quick machine (4,605 documents/s), and none was left when the quota began.
        var watched = await WatchedTasks.StartAsync(cluster, tasks, documents, deadline, DateTimeOffset.UtcNow.AddSeconds(3 * tasks));
        await watched.WaitUntilRunningAsync(deadline, atLeast: 1);

        var rates = new List<PhaseRate> { await RateAsync("none", watched, Before) };
        var unfinished = await watched.UnfinishedAsync();
        RoundTripsMeasured probed;
        using (var quota = CpuQuota.Create(processors))
        {
            foreach (var silo in cluster.Silos)
            {
                quota.Add(silo);
            }

            // Read once every silo is held: what is counted from here on was measured starved.
            var before = await RoundTripsMeasured.ReadAsync(metricsPorts, slowRoundTrip);
            rates.Add(await RateAsync(string.Create(CultureInfo.InvariantCulture, $"starved ({processors:0.##} processor a silo)"), watched, phase));
            probed = (await RoundTripsMeasured.ReadAsync(metricsPorts, slowRoundTrip)).Since(before);
        }

        var healed = Stopwatch.GetTimestamp();
        var outcome = await watched.CheckAsync();
        if (unfinished == 0)
        {
            outcome.Violations.Add("every task had ended before the fault began: it proved nothing");
        }

        return new SlowDatabaseOutcome("starved", outcome, Stopwatch.GetElapsedTime(healed), WaitingReported(watched), rates, probed);
    }

    /// <summary>
    /// Another client takes every connection for <paramref name="phase"/>; beyond the tasks' promises, at
    /// least one task must have told its watcher it waited for the database (a violation otherwise, for
    /// <c>SlowDatabaseTests</c> and the faults program alike).
    /// </summary>
    public static async Task<SlowDatabaseOutcome> ConnectionsAsync(int silos, int tasks, int documents, TimeSpan phase, TimeSpan deadline)
    {
        // A server of its own: the hog takes all of it.
        await using var postgres = new PostgresServer { MaxConnections = 40 };
        await postgres.InitializeAsync();
        postgres.Require();
        var database = await postgres.CreateDatabaseAsync(ordinaryRole: true);
        var budget = new Dictionary<string, string?> { ["Database:MaxConnections"] = "12" };
        await using var cluster = await RunningCluster.StartAsync(database, silos, new Dictionary<string, string?>(Lease.Concat(budget)),
            new Dictionary<string, string?> { ["Database:MaxConnections"] = "4" });

        // All start together once all are created (creating one takes a second or two), so that they still run when the fault begins.
        var watched = await WatchedTasks.StartAsync(cluster, tasks, documents, deadline, DateTimeOffset.UtcNow.AddSeconds(3 * tasks));
        await watched.WaitUntilRunningAsync(deadline, atLeast: 1);

        var rates = new List<PhaseRate> { await RateAsync("none", watched, Before) };
        var unfinished = await watched.UnfinishedAsync();
        int held;
        await using (var hog = ConnectionHog.Start(postgres.AdminConnectionString, new NpgsqlConnectionStringBuilder(database).Database!))
        {
            rates.Add(await RateAsync("exhausted", watched, phase));
            await hog.StopAsync();
            held = hog.Held;
        }

        var healed = Stopwatch.GetTimestamp();
        var outcome = await watched.CheckAsync();
        if (unfinished == 0)
        {
            outcome.Violations.Add("every task had ended before the fault began: it proved nothing");
        }

        var waiting = WaitingReported(watched);
        if (waiting == 0)
        {
            outcome.Violations.Add("no task said it waited for the database while every connection was taken");
        }

        return new SlowDatabaseOutcome($"connections (another client held {held} of 40)", outcome, Stopwatch.GetElapsedTime(healed), waiting, rates);
    }

    /// <summary>
    /// Documents indexed per second by all tasks together over <paramref name="span"/> (an ended task
    /// counts as done), and the tasks that said meanwhile, read every second, that they waited for a slow database.
    /// </summary>
    private static async Task<PhaseRate> RateAsync(string phase, WatchedTasks watched, TimeSpan span)
    {
        var before = await watched.DoneAsync();
        var started = Stopwatch.GetTimestamp();
        var saying = new HashSet<Guid>();

        // The phase lasts its stated time whatever the tasks and the reads do: under a slow database a read
        // of every task can take longer than the phase, and awaited in line it stretched the phase until
        // the tasks had all ended before the next one began.
        using (var phaseOver = new CancellationTokenSource(span))
        {
            await PollSayingAsync(watched, saying, phaseOver.Token);
        }

        var done = await watched.DoneAsync() - before;
        var lasted = Stopwatch.GetElapsedTime(started);
        return new PhaseRate(phase, done / lasted.TotalSeconds, saying.Count, lasted);
    }

    /// <summary>Adds to <paramref name="saying"/>, about once a second until <paramref name="phaseOver"/>, the tasks whose message says the database is slow.</summary>
    private static async Task PollSayingAsync(WatchedTasks watched, HashSet<Guid> saying, CancellationToken phaseOver)
    {
        try
        {
            while (true)
            {
                var asked = watched.SayingAsync(WaitingForASlowDatabase);
                saying.UnionWith(await asked.WaitAsync(phaseOver));
                await Task.Delay(TimeSpan.FromSeconds(1), phaseOver);
            }
        }
        catch (OperationCanceledException) when (phaseOver.IsCancellationRequested)
        {
            // The phase is over; a read still under way is not waited for.
        }
    }

    private static int WaitingReported(WatchedTasks watched) => watched.Heard.Count(messages => messages.Any(m =>
        m.TryGetProperty("message", out var text) && text.GetString()!.StartsWith(WaitingForTheDatabase, StringComparison.Ordinal)));
}

/// <summary>
/// What a slow-database round saw: the fault, what became of the tasks, how long after the fault
/// ended every watcher had its end, how many tasks told their watchers that they waited for the
/// database, the documents indexed per second in each phase, and (a starved round) the round trips
/// the silos' probes measured while starved.
/// </summary>
public sealed record SlowDatabaseOutcome(
    string Fault, WatchedOutcome Tasks, TimeSpan EndedAfterHeal, int TasksReportingWaiting, List<PhaseRate> Rates, RoundTripsMeasured? Probed = null)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Fault}: {Tasks.Tasks} tasks, {Tasks.Completed} completed, {Tasks.DocumentsWrittenTwice} documents written twice, " +
        $"{Tasks.TerminalsLostOrDoubled} terminal messages lost or doubled; documents/s {string.Join(", ", Rates.Select(r => $"{r.Phase} {r.DocumentsPerSecond:F0} (over {r.Lasted.TotalSeconds:F0} s)"))}; " +
        $"tasks saying the database was slow, by phase {string.Join(", ", Rates.Select(r => $"{r.Phase} {r.TasksSayingSlow}"))}; " +
        $"{TasksReportingWaiting} task(s) said they waited for the database; every end heard {EndedAfterHeal.TotalSeconds:F1} s after the fault ended; " +
        $"{(Probed is null ? "" : $"while starved, {Probed}; ")}" +
        $"{Tasks.Violations.Count} promise(s) broken");
}

/// <summary>A phase of a slow-database round: documents indexed per second, and how many tasks said meanwhile that the database was slow.</summary>
public sealed record PhaseRate(string Phase, double DocumentsPerSecond, int TasksSayingSlow, TimeSpan Lasted);
