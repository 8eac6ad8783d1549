using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using OrleansTasks.Admission;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// The cluster's admission queue on real processes with <c>kill -9</c> of the silo holding it:
/// the queue lives on in storage, so every waiting task still runs once, in its turn.
/// Every document written takes 20 ms (a trigger in PostgreSQL), so the tasks take long enough
/// for a backlog to form behind the two slots (one per silo); the blockers holding those slots take
/// 100 ms a document until the test lets them go, so the backlog forms however loaded the machine.
/// </summary>
public sealed class AdmissionFailoverTests(PostgresServer postgres, ITestOutputHelper output)
{
    private const string Prefix = "adm";
    private static readonly string[] Priorities = ["high", "normal", "low"];

    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Tasks:LeasePeriod"] = "00:00:05",
        ["Tasks:MaxRunningPerSilo"] = "1",
        ["Tasks:MaxRunningPerUser"] = "1",

        // The ranking the test expects is by priority alone: no task rises a level while it runs.
        ["Tasks:PriorityAgeing"] = "01:00:00",
    };

    [Fact]
    public async Task Killing_the_silo_holding_the_admission_queue_loses_no_queued_task_runs_none_twice_and_keeps_their_order()
    {
        var database = await postgres.CreateDatabaseAsync();
        await DatabaseCommands.ExecuteAsync(database, SlowSql);
        await using var cluster = await RunningCluster.StartAsync(database, silos: 2, Settings);
        var clients = new Dictionary<string, HttpClient>();
        try
        {
            HttpClient As(string user) => clients.TryGetValue(user, out var client) ? client : clients[user] = Client(cluster, TestTokens.For(user));
            var started = DateTimeOffset.UtcNow;

            // Blockers, each of its own user, until both silos' slots are held.
            var all = await BlockBothSilosAsync(cluster, i => As($"blocker{i}"));

            // Eight tasks of two users and three priorities queue behind them.
            for (var i = 0; i < 8; i++)
            {
                all.Add(await CreateAsync(As(i % 2 == 0 ? "alice" : "bob"), 30, Priorities[(i * 2 + i / 3) % 3]));
            }

            var beforeKill = await WaitForTruePositionsAsync(cluster, all, atLeast: 8, cap: 1, "the waiting tasks' positions to settle at 1..n in rank order");
            var victim = await cluster.SiloHostingAsync(grains => grains.GetGrain<IAdmissionQueueGrain>(0));
            await victim.KillAsync();
            var killedAt = DateTimeOffset.UtcNow;
            output.WriteLine($"{killedAt:HH:mm:ss.fff} killed {victim.Name}, which held the queue; waiting then, in rank order: {string.Join(", ", beforeKill)}");

            var afterKill = await WaitForTruePositionsAsync(cluster, all, atLeast: 3, cap: 1, "the waiting tasks' positions to be 1..n in rank order again after the kill");
            var positionsTrueAfter = DateTimeOffset.UtcNow - killedAt;
            await ReleaseBlockersAsync(database);
            var ended = (await Task.WhenAll(all.Select(t => TaskRequests.WaitForEndAsync(t.Http, t.Id, TimeSpan.FromMinutes(4)))))
                .Zip(all).ToDictionary(p => p.Second.Id, p => p.First);

            Assert.All(ended.Values, t => Assert.Equal("completed", t.GetProperty("status").GetString()));
            // With one silo left, one slot: the tasks waiting at the kill started one by one in their rank order.
            Assert.Equal(beforeKill, beforeKill.OrderBy(id => Time(ended[id].GetProperty("started_at"))));
            Assert.Equal(afterKill.Where(beforeKill.Contains), beforeKill.Where(afterKill.Contains));
            foreach (var task in all.Where(t => beforeKill.Contains(t.Id)))
            {
                Assert.Equal(task.Documents, await DatabaseCommands.ScalarAsync(database,
                    $"SELECT count(*) FROM documents WHERE collection = '{task.Collection}' AND write_count = 1"));
            }

            output.WriteLine($"{all.Count} tasks, {beforeKill.Count} waiting when the queue's silo was killed {(killedAt - started).TotalSeconds:F1} s in; " +
                $"positions true again {positionsTrueAfter.TotalSeconds:F1} s after the kill ({afterKill.Count} waiting); all ended {(DateTimeOffset.UtcNow - killedAt).TotalSeconds:F1} s after the kill");
        }
        finally
        {
            foreach (var client in clients.Values)
            {
                client.Dispose();
            }
        }
    }

    [Fact]
    public async Task After_a_kill_of_every_silo_the_first_task_asked_knows_its_place_from_the_stored_queue_and_the_line_starts_in_its_order()
    {
        var database = await postgres.CreateDatabaseAsync();
        await DatabaseCommands.ExecuteAsync(database, SlowSql);

        // Leases tick every 10 minutes: no task asks the queue again on its own while the test reads the positions.
        var settings = new Dictionary<string, string?>(Settings) { ["Tasks:LeasePeriod"] = "00:10:00", ["Tasks:MaxRunningPerUser"] = "0" };
        await using var cluster = await RunningCluster.StartAsync(database, silos: 2, settings);
        using var alice = Client(cluster, TestTokens.Alice);
        var started = DateTimeOffset.UtcNow;
        var all = await BlockBothSilosAsync(cluster, _ => alice);

        var blockers = all.Count;
        foreach (var priority in new[] { "normal", "low", "high", "normal" })
        {
            all.Add(await CreateAsync(alice, 30, priority));
        }

        var ranked = await WaitForTruePositionsAsync(cluster, all, atLeast: all.Count - 2, cap: 0, "the waiting tasks' positions to settle at 1..n in rank order");
        foreach (var silo in cluster.Silos)
        {
            await silo.KillAsync();
        }

        cluster.StartSilo(settings);
        cluster.StartSilo(settings);
        await cluster.WaitForActiveSilosAsync(2, TimeSpan.FromMinutes(3));

        // The last in line is asked first: its activation asks the queue, which has only storage to know the others by.
        var last = all.Single(t => t.Id == ranked[^1]);
        JsonElement? first = null;
        await Eventually.TrueAsync("the last task to answer after the restart", async () => (first = await TryGetAsync(last)) is not null, TimeSpan.FromMinutes(1));
        var readAt = DateTimeOffset.UtcNow;
        var answer = first!.Value;

        Assert.Equal("pending", answer.GetProperty("status").GetString());
        // Behind the tasks ranked ahead of it (with a non-durable queue it would be alone, and start at once), less
        // those the two restarted silos' free slots went to before it answered, and behind either running blocker
        // woken by the queue that has not got a slot back yet.
        Assert.InRange(Position(answer) ?? 0, ranked.Count - 2, ranked.Count + 2);
        Assert.True(readAt - started < TimeSpan.FromMinutes(10), "read before any lease tick");
        await ReleaseBlockersAsync(database);
        var ended = (await Task.WhenAll(all.Select(t => TaskRequests.WaitForEndAsync(alice, t.Id, TimeSpan.FromMinutes(4)))))
            .Zip(all).ToDictionary(p => p.Second.Id, p => p.First);
        Assert.All(ended.Values, t => Assert.Equal("completed", t.GetProperty("status").GetString()));

        // The tasks waiting at the kill started in their stored rank order: two slots may be granted at one
        // moment, so neighbours may start either way round, but none started before a task two places ahead.
        var startedAt = ranked.Select(id => Time(ended[id].GetProperty("started_at"))).ToList();
        for (var ahead = 0; ahead < ranked.Count; ahead++)
        {
            for (var behind = ahead + 2; behind < ranked.Count; behind++)
            {
                Assert.True(startedAt[ahead] <= startedAt[behind],
                    $"task {behind + 1} in line started at {startedAt[behind]:HH:mm:ss.fff}, before task {ahead + 1} at {startedAt[ahead]:HH:mm:ss.fff}; line: {string.Join(", ", ranked)}");
            }
        }

        output.WriteLine($"{blockers} blockers, {ranked.Count} waiting; the last one's place read {(readAt - started).TotalSeconds:F1} s after the first task was created");
    }

    /// <summary>
    /// Creates two blockers (600 documents, normal priority; the <paramref name="client"/> of the i-th) and waits until one
    /// is processing on each of the two silos: one that finds its silo full moves to the other's free slot. Should that
    /// not happen within 30 s, another blocker; at most <see cref="MostBlockers"/>, within two minutes. A blocker's
    /// documents take <see cref="BlockerPace"/> each until the test lets them go, so they hold both slots meanwhile.
    /// </summary>
    private static async Task<List<Created>> BlockBothSilosAsync(RunningCluster cluster, Func<int, HttpClient> client)
    {
        var blockers = new List<Created>();
        var seen = new List<string>();
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromMinutes(2);
        async Task<bool> BothBusyAsync()
        {
            var busy = new HashSet<ProcessHost>();
            seen.Clear();
            foreach (var blocker in blockers)
            {
                var status = (await TaskRequests.GetAsync(blocker.Http, blocker.Id)).GetProperty("status").GetString();
                var silo = status == "processing" ? await cluster.SiloRunningAsync(blocker.Id) : null;
                if (silo is not null)
                {
                    busy.Add(silo);
                }

                seen.Add($"{blocker.Id}: {status}{(silo is null ? "" : " on " + silo.Name)}");
            }

            return busy.Count == 2;
        }

        blockers.Add(await CreateAsync(client(0), 600, "normal", BlockerPrefix));
        blockers.Add(await CreateAsync(client(1), 600, "normal", BlockerPrefix));
        while (true)
        {
            try
            {
                await Eventually.TrueAsync($"the {blockers.Count} blockers to be processing on both silos", BothBusyAsync, TimeSpan.FromSeconds(30));
                return blockers;
            }
            catch (TimeoutException) when (blockers.Count < MostBlockers && DateTimeOffset.UtcNow < deadline)
            {
                // One could not move: another blocker.
                blockers.Add(await CreateAsync(client(blockers.Count), 600, "normal", BlockerPrefix));
            }
            catch (TimeoutException timeout)
            {
                throw new TimeoutException($"Waited for a blocker processing on each of the two silos: {blockers.Count} blockers; last seen:\n{string.Join('\n', seen)}", timeout);
            }
        }
    }

    private const int MostBlockers = 4;

    /// <summary>Lets the blockers finish: their documents take no longer than the others' from now on.</summary>
    private static Task ReleaseBlockersAsync(string database) =>
        DatabaseCommands.ExecuteAsync(database, "UPDATE admission_blocker_pace SET seconds = 0.02");

    /// <summary>
    /// Waits until at least <paramref name="atLeast"/> <c>pending</c> tasks wait and the places of the tasks waiting for a slot, in
    /// rank order (priority, then arrival) with the <c>pending</c> tasks of owners at <paramref name="cap"/> (0: none) last, read
    /// 1, 2, 3, ...; returns the <c>pending</c> tasks in rank order. A pending task's place is its <c>queue_position</c>. A
    /// <c>processing</c> task waits for a slot when its activation came back from a silo that died or went away (it rests,
    /// keeping its owner's place, and takes the next free slot of its silo in its turn: see docs/protocol.md): it then counts
    /// ahead of the tasks it outranks, and its owner's cap does not hold it back. Its snapshot shows no place; the queue, asked
    /// through the grain interface, gives it.
    /// </summary>
    private static async Task<List<Guid>> WaitForTruePositionsAsync(RunningCluster cluster, List<Created> tasks, int atLeast, int cap, string waitingFor)
    {
        var ranked = new List<Guid>();
        var lastRead = "nothing read yet";
        var queue = (await cluster.ClientAsync()).GetGrain<IAdmissionQueueGrain>(0);
        try
        {
            await Eventually.TrueAsync(waitingFor, ReadAsync, TimeSpan.FromMinutes(2));
        }
        catch (TimeoutException timeout)
        {
            throw new TimeoutException($"{timeout.Message} Last read, in the order created:\n{lastRead}", timeout);
        }

        return ranked;

        async Task<bool> ReadAsync()
        {
            var read = await Task.WhenAll(tasks.Select(async t => (t.Id, Task: await TryGetAsync(t))));
            if (read.Any(r => r.Task is null))
            {
                lastRead = string.Join(", ", read.Where(r => r.Task is null).Select(r => r.Id)) + " not answering";
                return false;
            }

            var places = new Dictionary<Guid, int?>();
            foreach (var (id, task) in read)
            {
                places[id] = task!.Value.GetProperty("status").GetString() switch
                {
                    "pending" => Position(task.Value),
                    "processing" => await queue.Position(id),
                    _ => null,
                };
            }

            lastRead = string.Join('\n', read.Select(r => $"{r.Id}: {r.Task!.Value.GetProperty("status").GetString()}, " +
                $"{r.Task.Value.GetProperty("priority").GetString()}, {r.Task.Value.GetProperty("owner_id").GetString()}, " +
                $"place {places[r.Id]?.ToString(CultureInfo.InvariantCulture) ?? "none"}"));

            var waiting = read.Select(r => (r.Id, Task: r.Task!.Value))
                .Where(r => r.Task.GetProperty("status").GetString() == "pending" || places[r.Id] is not null)
                .OrderBy(r => Array.IndexOf(Priorities, r.Task.GetProperty("priority").GetString()))
                .ThenBy(r => Time(r.Task.GetProperty("created_at")))
                .ToList();
            var pending = waiting.Where(r => r.Task.GetProperty("status").GetString() == "pending").ToList();
            ranked = [.. pending.Select(r => r.Id)];

            // Every processing task counts toward its owner's cap, whether it holds a slot or waits for one.
            var processingByOwner = read.Where(r => r.Task!.Value.GetProperty("status").GetString() == "processing")
                .CountBy(r => r.Task!.Value.GetProperty("owner_id").GetString()!).ToDictionary();
            bool HeldBack((Guid Id, JsonElement Task) r) => cap > 0 && r.Task.GetProperty("status").GetString() == "pending"
                && processingByOwner.GetValueOrDefault(r.Task.GetProperty("owner_id").GetString()!) >= cap;
            var positioned = waiting.OrderBy(HeldBack).ToList();
            return pending.Count >= atLeast && positioned.Select(r => places[r.Id]).SequenceEqual(Enumerable.Range(1, waiting.Count).Cast<int?>());
        }
    }

    private sealed record Created(HttpClient Http, Guid Id, string Collection, long Documents);

    private static async Task<Created> CreateAsync(HttpClient http, int documents, string priority, string prefix = Prefix)
    {
        var body = TaskRequests.Body(documents, prefix + Guid.NewGuid().ToString("N")[..12]);
        body["priority"] = priority;
        return new(http, await TaskRequests.CreateAsync(http, body), body["collection"]!.GetValue<string>(), documents);
    }

    private static HttpClient Client(RunningCluster cluster, string token)
    {
        var http = new HttpClient { BaseAddress = cluster.GatewayAddress };
        http.DefaultRequestHeaders.Authorization = new("Bearer", token);
        return http;
    }

    /// <summary>The task's details; null while its silo is found dead and the gateway answers 503.</summary>
    private static async Task<JsonElement?> TryGetAsync(Created task)
    {
        using var response = await task.Http.GetAsync($"/api/tasks/{task.Id}");
        return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>() : null;
    }

    /// <summary>The task's <c>queue_position</c>, which a task not waiting for a slot leaves out.</summary>
    private static int? Position(JsonElement task) => task.TryGetProperty("queue_position", out var position) ? position.GetInt32() : null;

    private static DateTimeOffset Time(JsonElement value) => DateTimeOffset.Parse(value.GetString()!, CultureInfo.InvariantCulture);

    /// <summary>
    /// Each document written into a collection of this test takes 20 ms more; a blocker's, <see cref="BlockerPace"/> until
    /// <see cref="ReleaseBlockersAsync"/> (a slice of them stays well within a command's timeout either way).
    /// </summary>
    private const string SlowSql = $"""
        CREATE TABLE admission_blocker_pace (seconds float8 NOT NULL);
        INSERT INTO admission_blocker_pace VALUES ({BlockerPace});
        CREATE FUNCTION slow_admission() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.collection LIKE '{BlockerPrefix}%' THEN
                PERFORM pg_sleep((SELECT seconds FROM admission_blocker_pace));
            ELSE
                PERFORM pg_sleep(0.02);
            END IF;
            RETURN NEW;
        END $$;
        CREATE TRIGGER slow_admission BEFORE INSERT ON documents
            FOR EACH ROW WHEN (NEW.collection LIKE '{Prefix}%') EXECUTE FUNCTION slow_admission();
        """;

    /// <summary>Seconds a blocker's document takes until the blockers are let go: 600 of them hold a slot for a minute at least.</summary>
    private const string BlockerPace = "0.1";

    // Not a prefix of the other tasks' collections, whose names go on in hexadecimal digits.
    private const string BlockerPrefix = Prefix + "blk";
}
