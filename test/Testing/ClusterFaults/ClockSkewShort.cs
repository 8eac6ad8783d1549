using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using OrleansTasks.Testing.Storm;

namespace OrleansTasks.Testing.ClusterFaults;

/// <summary>
/// The test suite's clock round, two to three minutes: what <see cref="ClockSkew"/> holds the cluster
/// to, with each grain put where it is meant to be from the start (<see cref="GrainPlacement"/>) and
/// every part running at once. Schedules created on the fast silo and on a normal one each fire two
/// every-minute occurrences and a one-off, once each, within the skew early or <see cref="LateBound"/>
/// late, and stay where they were created; watched tasks, half moved onto the fast silo before they
/// start, complete once with every document written once and no task written by a second silo;
/// tickets held by the fast silo and by the others open one socket within their lifetime and none
/// after it; a task with a time limit started and run on the fast silo ends with <c>timeout</c> no
/// earlier than its limit after its start, as both are read on the one clock. Schedules moved across
/// silos and an occurrence run by the fast silo not run again by a normal one are the longer round's
/// (<c>faults [rounds] clock</c>): they need the normal silos' clocks to reach the fast one's.
/// </summary>
public static class ClockSkewShort
{
    public static readonly TimeSpan TimeLimit = TimeSpan.FromSeconds(3);

    /// <summary>The timed task's documents: at the rate a run here indexed them (6,000 a second) over 30 s of work, ten times its limit.</summary>
    public const int TimedDocuments = 200_000;

    /// <summary>How long after its limit a timed-out task may be seen to end: the limit is checked before each slice, on a loaded machine.</summary>
    public static readonly TimeSpan TimeLimitSlack = TimeSpan.FromSeconds(20);

    /// <summary>
    /// How late an occurrence may run here: the schedules are created while the cluster's reminder ranges may
    /// still be handed between silos, and a precise tick registered in a hand-over can be lost; the schedule's
    /// promise is then its check-period tick (<c>Schedules:CheckPeriod</c>, a minute), as README documents.
    /// A round here saw a one-off run 66 s late so, its every-minute twin due at the same time 12.5 s late.
    /// </summary>
    public static readonly TimeSpan LateBound = TimeSpan.FromMinutes(1) + ClockSkew.LateBound;

    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    public static async Task<ClockSkewShortOutcome> RunAsync(string database, TimeSpan skew, int tasks, int documents, TimeSpan deadline)
    {
        var started = Stopwatch.GetTimestamp();
        await using var clock = await ClockSkewCluster.StartAsync(database, skew);
        var phases = new List<string>();
        void Reached(string phase) => phases.Add(string.Create(CultureInfo.InvariantCulture, $"{phase} {Stopwatch.GetElapsedTime(started).TotalSeconds:F0} s"));
        Reached("cluster up");
        var (cluster, client, fastSilo, normalSilo) = (clock.Cluster, clock.Client, clock.FastSilo, clock.NormalSilo);
        var violations = clock.SkewViolations().ToList();
        using var http = clock.Http();
        var small = await TaskRequests.CreateRetryingAsync(http, TaskRequests.Body(5), TimeSpan.FromMinutes(1));

        // Each schedule's first occurrence comes 15–20 s from now on the clock of the silo holding it.
        var now = DateTimeOffset.UtcNow;
        (string Name, SiloAddress Silo, ScheduleTrigger Trigger)[] plans =
        [
            ("every minute, fast silo", fastSilo, ScheduleTrigger.Interval(Interval, now + skew + TimeSpan.FromSeconds(15))),
            ("every minute, a normal silo", normalSilo, ScheduleTrigger.Interval(Interval, now + TimeSpan.FromSeconds(20))),
            ("once, fast silo", fastSilo, ScheduleTrigger.Once(now + skew + TimeSpan.FromSeconds(15))),
            ("once, a normal silo", normalSilo, ScheduleTrigger.Once(now + TimeSpan.FromSeconds(20))),
        ];
        var schedules = new List<(string Name, SiloAddress Silo, Guid Id)>();
        foreach (var (name, silo, trigger) in plans)
        {
            schedules.Add((name, silo, await CreateScheduleOnAsync(client, silo, trigger)));
        }

        await using var firings = ScheduleFirings.Watch(client, schedules.Select(s => s.Id));
        Reached("schedules created");

        // The timed task waits for a start time 20 s short of the skew: the fast silo starts it the moment it lands
        // there, a normal silo only 100 s from now, so a slow move shows as a start on the wrong clock. The
        // watched tasks wait 30 s; half are moved onto the fast silo meanwhile.
        var timedCreatedAt = DateTimeOffset.UtcNow;
        var timed = await CreateTimedAsync(http, timedCreatedAt + skew - TimeSpan.FromSeconds(20));
        var runAt = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(30);
        var timedWatcher = ReconnectingWatcher.WatchAsync("timed", new Uri($"ws://127.0.0.1:{cluster.GatewayPort}/ws/task/{timed}?token={TestTokens.Alice}"), deadline);
        var watched = await WatchedTasks.StartAsync(cluster, tasks, documents, deadline, runAt);
        var movedOnFast = watched.TaskIds.Take(tasks / 2).Prepend(timed).ToList();
        foreach (var taskId in movedOnFast)
        {
            await GrainPlacement.MoveAsync(client, client.GetGrain<IIndexTaskGrain>(taskId), fastSilo);
        }

        var tasksSince = await clock.Audit.NowAsync();
        Reached("tasks moved");

        // Tickets, while the tasks run, on sockets of the small task.
        await TaskRequests.WaitForEndAsync(http, small, deadline);
        var redeeming = TicketRedemptions.RunAsync(cluster, client, small, count: 4, fastSilo, onSilo: 2);
        var tasksOutcome = await watched.CheckAsync();
        var tickets = await redeeming;
        violations.AddRange(ClockSkew.TicketViolations(tickets, fastSilo));
        Reached("tasks ended, tickets redeemed");
        violations.AddRange(tasksOutcome.Violations);
        var timedOutcome = await CheckTimedAsync(http, timed, await timedWatcher, timedCreatedAt + skew);
        violations.AddRange(timedOutcome.Violations);
        foreach (var taskId in movedOnFast)
        {
            if (await GrainPlacement.HostOfAsync(client, client.GetGrain<IIndexTaskGrain>(taskId)) is { } host && !host.Equals(fastSilo))
            {
                violations.Add($"task {taskId} was moved onto the fast silo but is active on {host} after its end");
            }
        }

        var secondWriters = await clock.Audit.GrainsWrittenByMoreThanOneAsync("task", tasksSince);
        violations.AddRange(secondWriters.Select(grain => $"a task was written by more than one silo while every silo lived: {grain}"));

        // Schedules: two occurrences of each every-minute one, the one-offs once.
        await Eventually.TrueAsync(
            $"each every-minute schedule to have run two occurrences and each one-off its one ({string.Join("; ", schedules.Select(s => $"{s.Name}: {firings.Describe(s.Id)}"))})",
            () => Task.FromResult(schedules.All(s => firings.Fired(s.Id).Count >= (s.Name.StartsWith("every", StringComparison.Ordinal) ? 2 : 1))),
            deadline);
        Reached("schedules fired");
        foreach (var (name, silo, id) in schedules)
        {
            violations.AddRange(ClockSkew.OccurrenceViolations(name, firings, id, skew, mayCoalesce: 0, LateBound));
            if (name.StartsWith("once", StringComparison.Ordinal) && firings.Fired(id).Count != 1)
            {
                violations.Add($"{name}: fired {firings.Fired(id).Count} times ({firings.Describe(id)})");
            }

            if (await GrainPlacement.HostOfAsync(client, client.GetGrain<IScheduleGrain>(id)) is var host && !silo.Equals(host))
            {
                violations.Add($"{name}: created on {silo}, active on {(object?)host ?? "no single silo"} at the end");
            }
        }

        return new ClockSkewShortOutcome(
            tasksOutcome,
            skew,
            clock.MeasuredSkew,
            movedOnFast.Count - 1,
            timedOutcome,
            tickets,
            tickets.Count(t => fastSilo.Equals(t.Silo)),
            [.. schedules.Select(s => new ScheduleOutcome(s.Name, firings.Describe(s.Id), firings.Last(s.Id)?.Skipped ?? 0))],
            phases,
            Stopwatch.GetElapsedTime(started),
            violations);
    }

    /// <summary>A schedule for alice of a five-document task, created (as the gateway creates one) by the call that activates it on <paramref name="silo"/>.</summary>
    private static async Task<Guid> CreateScheduleOnAsync(IClusterClient client, SiloAddress silo, ScheduleTrigger trigger)
    {
        var id = Guid.NewGuid();
        var grain = client.GetGrain<IScheduleGrain>(id);
        var documents = Enumerable.Range(0, 5)
            .Select(i => new IndexDocument(string.Create(CultureInfo.InvariantCulture, $"doc-{i}.md"), null, TaskRequests.Content(i, 30)))
            .ToImmutableArray();
        var template = new TaskTemplate("c" + id.ToString("N")[..12], documents);
        await GrainPlacement.ActivateOnAsync(client, grain, silo, () => grain.Create(new CreateSchedule("alice", "clock skew", template, trigger)));
        return id;
    }

    /// <summary>
    /// A task far larger than its time limit can index, waiting for <paramref name="runAt"/>: an upload of
    /// <see cref="TimedDocuments"/> lines. Inline documents (at most 10,000) once were, until a run indexed them
    /// in 2.8 s against a 3 s limit.
    /// </summary>
    private static async Task<Guid> CreateTimedAsync(HttpClient http, DateTimeOffset runAt)
    {
        var upload = await UploadRequests.UploadAsync(http, JsonLinesCorpus.Bytes(TimedDocuments, words: 12));
        var body = new System.Text.Json.Nodes.JsonObject
        {
            ["collection"] = "timed",
            ["source"] = new System.Text.Json.Nodes.JsonObject { ["upload"] = upload.ToString() },
            ["run_at"] = runAt.ToString("O", CultureInfo.InvariantCulture),
            ["timeout"] = string.Create(CultureInfo.InvariantCulture, $"PT{(int)TimeLimit.TotalSeconds}S"),
        };
        return await TaskRequests.CreateRetryingAsync(http, body, TimeSpan.FromMinutes(1));
    }

    /// <summary>
    /// The timed task ended once, with <c>timeout</c>, its <c>started_at</c> on the fast silo's clock
    /// (no earlier than <paramref name="fastClockAtCreation"/>), and its end no earlier than its limit
    /// after that start nor later than <see cref="TimeLimitSlack"/> past the limit.
    /// </summary>
    private static async Task<TimedTaskOutcome> CheckTimedAsync(HttpClient http, Guid taskId, ReconnectingWatcher watcher, DateTimeOffset fastClockAtCreation)
    {
        var violations = new List<string>(watcher.Violations);
        var terminals = watcher.Connections.Sum(c => c.Messages.Count(m => m.GetProperty("type").GetString() is "complete" or "error" or "cancelled"));
        if (terminals != 1)
        {
            violations.Add($"timed task: {terminals} terminal messages heard");
        }

        var code = watcher.Terminal is { } end && end.GetProperty("type").GetString() == "error" && end.TryGetProperty("details", out var details)
            && details.TryGetProperty("code", out var value) ? value.GetString() : null;
        if (code != "timeout")
        {
            violations.Add($"timed task: ended with {Describe(watcher.Terminal)}, not an error with code timeout");
        }

        var stored = await TaskRequests.GetAsync(http, taskId);
        var startedAt = Time(stored, "started_at");
        var finishedAt = Time(stored, "finished_at");
        var ran = finishedAt - startedAt;
        if (startedAt < fastClockAtCreation)
        {
            violations.Add($"timed task: started at {startedAt:HH:mm:ss.fff}, not on the fast silo's clock (it read {fastClockAtCreation:HH:mm:ss.fff} or later)");
        }

        if (ran < TimeLimit || ran > TimeLimit + TimeLimitSlack)
        {
            violations.Add(string.Create(CultureInfo.InvariantCulture, $"timed task: ended {ran.TotalSeconds:F1} s after its start, its limit {TimeLimit.TotalSeconds:F0} s"));
        }

        return new TimedTaskOutcome(stored.GetProperty("status").GetString(), code, ran, stored.GetProperty("current").GetInt32(), violations);
    }

    /// <summary>A terminal message by its type and text: its result can run to a hundred details.</summary>
    private static string Describe(JsonElement? terminal) => terminal is { } end
        ? $"{end.GetProperty("type").GetString()} (\"{end.GetProperty("message").GetString()}\")"
        : "nothing heard";

    private static DateTimeOffset Time(JsonElement task, string field) =>
        task.TryGetProperty(field, out var value) ? value.GetDateTimeOffset() : DateTimeOffset.MinValue;
}

/// <summary>The timed task of a clock round: its stored status, its error code, how long it ran by its own timestamps, the documents it did, what broke.</summary>
public sealed record TimedTaskOutcome(string? Status, string? Code, TimeSpan Ran, int Current, List<string> Violations);

/// <summary>What the test suite's clock round saw; see <see cref="ClockSkewShort"/>.</summary>
public sealed record ClockSkewShortOutcome(
    WatchedOutcome Tasks,
    TimeSpan Skew,
    TimeSpan MeasuredSkew,
    int TasksOnFastSilo,
    TimedTaskOutcome Timed,
    List<TicketRedemption> Tickets,
    int TicketsOnFastSilo,
    List<ScheduleOutcome> Schedules,
    List<string> Phases,
    TimeSpan Duration,
    List<string> Violations)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"clock (short): one silo {Skew.TotalSeconds:F0} s ahead (its start time {MeasuredSkew.TotalSeconds:F0} s after the others'); " +
        $"{Tasks.Tasks} tasks, {TasksOnFastSilo} moved onto the fast silo, {Tasks.Completed} completed, {Tasks.DocumentsWrittenTwice} documents written twice, " +
        $"{Tasks.TerminalsLostOrDoubled} terminal messages lost or doubled; timed task on the fast silo: {Timed.Status} ({Timed.Code}) " +
        $"{Timed.Ran.TotalSeconds:F1} s after its start with a {ClockSkewShort.TimeLimit.TotalSeconds:F0} s limit, {Timed.Current} documents done; " +
        $"tickets: {Tickets.Count(t => t.FirstAccepted == true)} of {Tickets.Count(t => t.FirstAccepted is not null)} accepted at once " +
        $"({TicketsOnFastSilo} of all held by the fast silo), {Tickets.Count(t => t.AgainAccepted == true)} accepted twice, " +
        $"{Tickets.Count(t => t.LateAccepted == true)} of {Tickets.Count(t => t.LateAccepted is not null)} accepted after their lifetime; " +
        $"schedules: {string.Join("; ", Schedules.Select(s => $"{s.Name}: {s.Fired}, {s.Skipped} skipped"))}; " +
        $"{Duration.TotalSeconds:F0} s ({string.Join(", ", Phases)}); {Violations.Count} promise(s) broken");
}
