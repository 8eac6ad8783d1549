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
/// for a backlog to form behind the two slots (one per silo).
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

            var beforeKill = await WaitForTruePositionsAsync(all, atLeast: 8, "the waiting tasks' positions to settle at 1..n in rank order");
            var victim = await cluster.SiloHostingAsync(grains => grains.GetGrain<IAdmissionQueueGrain>(0));
            await victim.KillAsync();
            var killedAt = DateTimeOffset.UtcNow;
            output.WriteLine($"{killedAt:HH:mm:ss.fff} killed {victim.Name}, which held the queue; waiting then, in rank order: {string.Join(", ", beforeKill)}");

            var afterKill = await WaitForTruePositionsAsync(all, atLeast: 3, "the waiting tasks' positions to be 1..n in rank order again after the kill");
            var positionsTrueAfter = DateTimeOffset.UtcNow - killedAt;
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
    public async Task After_a_kill_of_every_silo_the_first_task_asked_knows_its_place_from_the_stored_queue_before_any_lease_tick()
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

        var ranked = await WaitForTruePositionsAsync(all, atLeast: all.Count - 2, "the waiting tasks' positions to settle at 1..n in rank order");
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
        // Behind every task ranked ahead of it (with a non-durable queue it would be alone, at 1), and behind
        // either running blocker woken by the queue that has not got a slot back yet.
        Assert.InRange(Position(answer) ?? 0, ranked.Count, ranked.Count + 2);
        Assert.True(readAt - started < TimeSpan.FromMinutes(10), "read before any lease tick");
        var ended = await Task.WhenAll(all.Select(t => TaskRequests.WaitForEndAsync(alice, t.Id, TimeSpan.FromMinutes(4))));
        Assert.All(ended, t => Assert.Equal("completed", t.GetProperty("status").GetString()));
        output.WriteLine($"{blockers} blockers, {ranked.Count} waiting; the last one's place read {(readAt - started).TotalSeconds:F1} s after the first task was created");
    }

    /// <summary>
    /// Creates blockers (600 documents, normal priority; the <paramref name="client"/> of the i-th) until a blocker
    /// is processing on each of the two silos: a slot freed anywhere goes to the first in line, so two suffice unless
    /// one could not move. Each new one is given 15 s to start; at most <see cref="MostBlockers"/>, within a minute.
    /// </summary>
    private static async Task<List<Created>> BlockBothSilosAsync(RunningCluster cluster, Func<int, HttpClient> client)
    {
        var blockers = new List<Created>();
        var busy = new HashSet<ProcessHost>();
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromMinutes(1);
        async Task<bool> BothBusyAsync()
        {
            busy.Clear();
            foreach (var blocker in blockers)
            {
                if ((await TaskRequests.GetAsync(blocker.Http, blocker.Id)).GetProperty("status").GetString() == "processing")
                {
                    busy.Add(await cluster.SiloRunningAsync(blocker.Id));
                }
            }

            return busy.Count == 2;
        }

        while (!await BothBusyAsync())
        {
            if (blockers.Count >= MostBlockers || DateTimeOffset.UtcNow > deadline)
            {
                throw new TimeoutException($"Waited for a blocker processing on each of the two silos: {blockers.Count} blockers " +
                    $"created in {(TimeSpan.FromMinutes(1) - (deadline - DateTimeOffset.UtcNow)).TotalSeconds:F0} s, processing on {busy.Count} silo(s)");
            }

            blockers.Add(await CreateAsync(client(blockers.Count), 600, "normal"));
            try
            {
                await Eventually.TrueAsync($"the {blockers.Count} blockers to be processing on both silos", BothBusyAsync, TimeSpan.FromSeconds(15));
            }
            catch (TimeoutException)
            {
                // Not yet: another blocker, unless the limits above are reached.
            }
        }

        return blockers;
    }

    private const int MostBlockers = 6;

    /// <summary>
    /// Waits until at least <paramref name="atLeast"/> tasks wait and their <c>queue_position</c>s, in rank
    /// order (priority, then arrival) with the tasks of owners at the cap last, read 1, 2, 3, ...;
    /// returns the waiting tasks in rank order.
    /// </summary>
    private static async Task<List<Guid>> WaitForTruePositionsAsync(List<Created> tasks, int atLeast, string waitingFor)
    {
        var ranked = new List<Guid>();
        var lastRead = "nothing read yet";
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
            lastRead = string.Join('\n', read.Select(r => r.Task is not { } task ? $"{r.Id}: not answering" :
                $"{r.Id}: {task.GetProperty("status").GetString()}, {task.GetProperty("priority").GetString()}, " +
                $"{task.GetProperty("owner_id").GetString()}, position {Position(task)?.ToString(CultureInfo.InvariantCulture) ?? "none"}"));
            if (read.Any(r => r.Task is null))
            {
                return false;
            }

            var waiting = read.Select(r => (r.Id, Task: r.Task!.Value)).Where(r => r.Task.GetProperty("status").GetString() == "pending")
                .OrderBy(r => Array.IndexOf(Priorities, r.Task.GetProperty("priority").GetString()))
                .ThenBy(r => Time(r.Task.GetProperty("created_at")))
                .ToList();
            ranked = [.. waiting.Select(r => r.Id)];

            // With one task of each owner at most (Tasks:MaxRunningPerUser=1), an owner with one running is at the cap:
            // their waiting tasks come after those that can start now.
            var atCap = read.Where(r => r.Task!.Value.GetProperty("status").GetString() == "processing")
                .Select(r => r.Task!.Value.GetProperty("owner_id").GetString()).ToHashSet();
            var positioned = waiting.OrderBy(r => atCap.Contains(r.Task.GetProperty("owner_id").GetString())).ToList();
            return waiting.Count >= atLeast && positioned.Select(r => Position(r.Task)).SequenceEqual(Enumerable.Range(1, waiting.Count).Cast<int?>());
        }
    }

    private sealed record Created(HttpClient Http, Guid Id, string Collection, long Documents);

    private static async Task<Created> CreateAsync(HttpClient http, int documents, string priority)
    {
        var body = TaskRequests.Body(documents, Prefix + Guid.NewGuid().ToString("N")[..12]);
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

    /// <summary>Each document written into a collection of this test takes 20 ms more.</summary>
    private const string SlowSql = $"""
        CREATE FUNCTION slow_admission() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_sleep(0.02);
            RETURN NEW;
        END $$;
        CREATE TRIGGER slow_admission BEFORE INSERT ON documents
            FOR EACH ROW WHEN (NEW.collection LIKE '{Prefix}%') EXECUTE FUNCTION slow_admission();
        """;
}
