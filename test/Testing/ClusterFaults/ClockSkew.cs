using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OrleansTasks.Testing.ClusterFaults;

/// <summary>
/// A silo whose wall clock runs ahead (<see cref="FakeClock"/>) in a process cluster of three silos
/// and a client gateway over PostgreSQL. Every decision the product takes by the clock is taken by
/// the silo holding the grain, on its own clock; what must hold:
/// <list type="bullet">
/// <item>Schedules, placed on the fast silo and on a normal one and then moved across: each
/// occurrence fires once, none earlier than the skew before its time nor later than
/// <see cref="LateBound"/> after it; the occurrences a move onto the fast silo finds already due on
/// its clock are run once for all (as after an outage, counted as skipped), at most
/// skew / interval of them. A one-off (<c>at</c>) fires once.</item>
/// <item>Leases: watched tasks, some placed on the fast silo, complete once with every document
/// written once, and no task is written by a second silo: a lease (a reminder) reactivates a task
/// where it is and never hands it to another silo while its silo lives.</item>
/// <item>Tickets: a ticket issued by the gateway opens one socket within its 30 s lifetime
/// whichever silo holds it, a second socket is refused, and one used after its lifetime is refused.</item>
/// </list>
/// </summary>
public static class ClockSkew
{
    /// <summary>How late an occurrence may be seen to run on a loaded machine (reminder delivery, a read a second).</summary>
    public static readonly TimeSpan LateBound = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    public static async Task<ClockSkewOutcome> RunAsync(string database, TimeSpan skew, int tasks, int documents, TimeSpan deadline)
    {
        var started = Stopwatch.GetTimestamp();
        await using var clock = await ClockSkewCluster.StartAsync(database, skew);
        var (cluster, client, audit, fastSilo, normalSilo) = (clock.Cluster, clock.Client, clock.Audit, clock.FastSilo, clock.NormalSilo);
        var violations = clock.SkewViolations().ToList();
        using var http = clock.Http();

        var small = await TaskRequests.CreateRetryingAsync(http, TaskRequests.Body(5), TimeSpan.FromMinutes(1));
        await TaskRequests.WaitForEndAsync(http, small, deadline);

        // Schedules: every minute from a whole minute far enough ahead that the fast silo has not reached it yet.
        var now = DateTimeOffset.UtcNow;
        var firstOccurrence = new DateTimeOffset(now.Ticks - now.Ticks % Interval.Ticks, TimeSpan.Zero) + skew + Interval;
        var onFast = await CreateScheduleAsync(http, new JsonObject { ["every"] = "PT1M", ["start_at"] = Iso(firstOccurrence) });
        var onNormal = await CreateScheduleAsync(http, new JsonObject { ["every"] = "PT1M", ["start_at"] = Iso(firstOccurrence) });
        var at = now + skew + TimeSpan.FromSeconds(40);
        var onceFast = await CreateScheduleAsync(http, new JsonObject { ["at"] = Iso(at) });
        var onceNormal = await CreateScheduleAsync(http, new JsonObject { ["at"] = Iso(at) });
        foreach (var (schedule, silo) in new[] { (onFast, fastSilo), (onceFast, fastSilo), (onNormal, normalSilo), (onceNormal, normalSilo) })
        {
            await GrainPlacement.MoveAsync(client, client.GetGrain<IScheduleGrain>(schedule), silo);
        }

        await using var firings = ScheduleFirings.Watch(client, [onFast, onNormal, onceFast, onceNormal]);

        // Tasks: all wait for a start time; two are moved to the fast silo meanwhile, the rest stay where placed.
        var watched = await WatchedTasks.StartAsync(cluster, tasks, documents, deadline, runAt: DateTimeOffset.UtcNow + TimeSpan.FromSeconds(30));
        foreach (var taskId in watched.TaskIds.Take(2))
        {
            await GrainPlacement.MoveAsync(client, client.GetGrain<IIndexTaskGrain>(taskId), fastSilo);
        }

        var tasksSince = await audit.NowAsync();
        var placedOn = new Dictionary<Guid, SiloAddress?>();
        foreach (var taskId in watched.TaskIds)
        {
            placedOn[taskId] = await GrainPlacement.HostOfAsync(client, client.GetGrain<IIndexTaskGrain>(taskId));
        }

        // Tickets, while the tasks run, on sockets of the small task that ended before them.
        var tickets = await TicketRedemptions.RunAsync(cluster, client, small, count: 12, fastSilo);
        violations.AddRange(TicketViolations(tickets, fastSilo));

        var tasksOutcome = await watched.CheckAsync();
        violations.AddRange(tasksOutcome.Violations);
        var secondWriters = await audit.GrainsWrittenByMoreThanOneAsync("task", tasksSince);
        violations.AddRange(secondWriters.Select(grain => $"a task was written by more than one silo while every silo lived: {grain}"));

        // Then the every-minute schedules change places: the one on the fast silo goes to a normal one and back.
        await Eventually.TrueAsync($"the every-minute schedule on the normal silo to have run ({firings.Describe(onNormal)})",
            () => Task.FromResult(firings.Fired(onNormal).Count >= 1), deadline);
        var movedAt = DateTimeOffset.UtcNow;
        await GrainPlacement.MoveAsync(client, client.GetGrain<IScheduleGrain>(onFast), normalSilo);
        await GrainPlacement.MoveAsync(client, client.GetGrain<IScheduleGrain>(onNormal), fastSilo);
        var lastFiredOnFast = firings.Fired(onFast).Keys.Max();
        await Eventually.TrueAsync(
            $"the schedule moved off the fast silo to run its next occurrence after {lastFiredOnFast:HH:mm:ss} ({firings.Describe(onFast)})",
            () => Task.FromResult(firings.Fired(onFast).Keys.Any(occurrence => occurrence > lastFiredOnFast)),
            skew + Interval + LateBound + TimeSpan.FromSeconds(30));
        await Eventually.TrueAsync($"both one-off schedules to have run ({firings.Describe(onceFast)}; {firings.Describe(onceNormal)})",
            () => Task.FromResult(firings.Fired(onceFast).Count + firings.Fired(onceNormal).Count == 2), deadline);

        (string Name, Guid Id, int MayCoalesce)[] schedules =
            [("every minute, fast silo then a normal one", onFast, 0), ("every minute, a normal silo then the fast one", onNormal, (int)(skew / Interval))];
        foreach (var (name, schedule, mayCoalesce) in schedules)
        {
            violations.AddRange(OccurrenceViolations(name, firings, schedule, skew, mayCoalesce));
        }

        foreach (var (name, schedule) in new[] { ("once, fast silo", onceFast), ("once, a normal silo", onceNormal) })
        {
            violations.AddRange(OccurrenceViolations(name, firings, schedule, skew, mayCoalesce: 0));
            if (firings.Fired(schedule).Count != 1)
            {
                violations.Add($"{name}: fired {firings.Fired(schedule).Count} times ({firings.Describe(schedule)})");
            }
        }

        return new ClockSkewOutcome(
            tasksOutcome,
            skew,
            clock.MeasuredSkew,
            placedOn.Values.Count(silo => fastSilo.Equals(silo)),
            tickets,
            tickets.Count(t => fastSilo.Equals(t.Silo)),
            schedules.Select(s => new ScheduleOutcome(s.Name, firings.Describe(s.Id), firings.Last(s.Id)?.Skipped ?? 0))
                .Concat([new("once, fast silo", firings.Describe(onceFast), 0), new("once, a normal silo", firings.Describe(onceNormal), 0)]).ToList(),
            movedAt,
            Stopwatch.GetElapsedTime(started),
            violations);
    }

    internal static async Task<Guid> CreateScheduleAsync(HttpClient http, JsonObject trigger)
    {
        trigger["name"] = "clock skew";
        trigger["task"] = TaskRequests.Body(5);
        using var response = await http.PostAsJsonAsync("/api/schedules", trigger);
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != System.Net.HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"creating a schedule answered {(int)response.StatusCode}: {text}");
        }

        using var json = JsonDocument.Parse(text);
        return json.RootElement.GetProperty("schedule_id").GetGuid();
    }

    /// <summary>
    /// Every occurrence seen to run no earlier than the skew before its time and no later than <paramref name="lateBound"/>
    /// (<see cref="LateBound"/> when null) after it; between the first and the last, every occurrence of the interval ran, but for at most
    /// <paramref name="mayCoalesce"/> counted as skipped.
    /// </summary>
    internal static IEnumerable<string> OccurrenceViolations(string name, ScheduleFirings firings, Guid schedule, TimeSpan skew, int mayCoalesce, TimeSpan? lateBound = null)
    {
        var fired = firings.Fired(schedule);
        foreach (var (occurrence, seen) in fired)
        {
            if (seen < occurrence - skew - TimeSpan.FromSeconds(2) || seen > occurrence + (lateBound ?? LateBound))
            {
                yield return $"{name}: the occurrence {occurrence:HH:mm:ss} ran at {seen:HH:mm:ss} ({firings.Describe(schedule)})";
            }
        }

        var skipped = firings.Last(schedule)?.Skipped ?? 0;
        var runs = firings.Last(schedule)?.Runs ?? 0;
        if (runs != fired.Count)
        {
            yield return $"{name}: counts {runs} runs, {fired.Count} occurrences seen to run ({firings.Describe(schedule)})";
        }

        if (fired.Count > 1)
        {
            var span = (int)((fired.Keys.Max() - fired.Keys.Min()) / Interval) + 1;
            if (span != fired.Count + skipped || skipped > mayCoalesce)
            {
                yield return $"{name}: {span} occurrences from the first run to the last, {fired.Count} ran, {skipped} skipped ({firings.Describe(schedule)})";
            }
        }
    }

    internal static IEnumerable<string> TicketViolations(List<TicketRedemption> tickets, SiloAddress fast)
    {
        foreach (var ticket in tickets)
        {
            var where = fast.Equals(ticket.Silo) ? "the fast silo" : $"silo {ticket.Silo}";
            if (ticket.FirstAccepted == false)
            {
                yield return $"a ticket held by {where} was refused at once";
            }

            if (ticket.AgainAccepted == true)
            {
                yield return $"a ticket held by {where} opened a second socket";
            }

            if (ticket.LateAccepted == true)
            {
                yield return $"a ticket held by {where} was accepted after its lifetime";
            }
        }
    }

    internal static string Iso(DateTimeOffset time) => time.ToString("O", CultureInfo.InvariantCulture);
}

/// <summary>One schedule of a clock round: where it ran, each occurrence with when it was seen to run, and how many it skipped.</summary>
public sealed record ScheduleOutcome(string Name, string Fired, int Skipped);

/// <summary>
/// What a clock round saw: the watched tasks, the skew given and as the membership table shows it,
/// tasks placed on the fast silo, each ticket, the schedules, when the every-minute schedules were
/// moved, how long the round took, and every promise broken.
/// </summary>
public sealed record ClockSkewOutcome(
    WatchedOutcome Tasks,
    TimeSpan Skew,
    TimeSpan MeasuredSkew,
    int TasksOnFastSilo,
    List<TicketRedemption> Tickets,
    int TicketsOnFastSilo,
    List<ScheduleOutcome> Schedules,
    DateTimeOffset SchedulesMovedAt,
    TimeSpan Duration,
    List<string> Violations)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"clock: one silo {Skew.TotalSeconds:F0} s ahead (its start time {MeasuredSkew.TotalSeconds:F0} s after the others'); " +
        $"{Tasks.Tasks} tasks, {TasksOnFastSilo} on the fast silo, {Tasks.Completed} completed, {Tasks.DocumentsWrittenTwice} documents written twice, " +
        $"{Tasks.TerminalsLostOrDoubled} terminal messages lost or doubled; tickets: {Tickets.Count(t => t.FirstAccepted is not null)} redeemed at once " +
        $"({TicketsOnFastSilo} held by the fast silo), {Tickets.Count(t => t.FirstAccepted == true)} accepted, {Tickets.Count(t => t.AgainAccepted == true)} accepted twice, " +
        $"{Tickets.Count(t => t.LateAccepted == true)} of {Tickets.Count(t => t.LateAccepted is not null)} accepted after their lifetime; " +
        $"schedules (moved at {SchedulesMovedAt:HH:mm:ss}): {string.Join("; ", Schedules.Select(s => $"{s.Name}: {s.Fired}, {s.Skipped} skipped"))}; " +
        $"{Duration.TotalMinutes:F1} min; {Violations.Count} promise(s) broken");
}
