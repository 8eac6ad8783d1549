using System.Diagnostics;
using System.Text.Json;
using Npgsql;
using Orleans.Streams.PubSub;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// The promise that matters most, on real processes: an accepted task finishes exactly once,
/// whatever dies, and everyone watching sees it finish.
/// </summary>
public sealed class FailoverTests(PostgresServer postgres)
{
    /// <summary>
    /// A watched task's documents: enough that it still runs when its silo dies. With 10,000 a run in CI
    /// indexed them all before its watcher saw progress.
    /// </summary>
    private const int Documents = 40_000;

    /// <summary>Limits raised for tasks of <see cref="Documents"/> inline documents of 120 words (about 36 MB), on silos and gateways alike.</summary>
    private static readonly Dictionary<string, string?> Large = new()
    {
        ["Tasks:MaxDocuments"] = Documents.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Tasks:MaxRequestBytes"] = (64L * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static readonly Dictionary<string, string?> Lease = new(Large) { ["Tasks:LeasePeriod"] = "00:00:05" };

    [Fact]
    public async Task Killing_the_silo_running_a_task_loses_nothing_and_the_watcher_sees_it_complete()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await RunningCluster.StartAsync(database, silos: 2, Lease, gatewayExtra: Large);
        var (taskId, collection, socket) = await StartWatchedTaskAsync(cluster);
        await using var _ = socket;
        var victim = await cluster.SiloRunningAsync(taskId);
        await WaitForProgressAsync(socket, minimum: 10);

        await victim.KillAsync();
        var killedAt = Stopwatch.GetTimestamp();
        var afterKill = await socket.ReceiveUntilClosedAsync(TimeSpan.FromMinutes(3));

        // Progress from the task's new silo is not asserted: the resumed run can end (here in under
        // a second) before the killed silo's stream queues are read again, and then the watcher
        // hears the end only, from the stream or read back from the grain. What is promised is
        // asserted: the end arrives once, after everything before it, and nothing was indexed twice.
        await AssertFinishedOnceAsync(database, collection, taskId, socket.Messages, afterKill);
        Assert.True(Stopwatch.GetElapsedTime(killedAt) < TimeSpan.FromMinutes(2));
        AssertResumedOn(cluster.Silos.Single(silo => silo != victim), taskId);
    }

    [Fact]
    public async Task Stopping_the_silo_running_a_task_hands_it_on_at_once()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await RunningCluster.StartAsync(database, silos: 2, Lease, gatewayExtra: Large);
        var (taskId, collection, socket) = await StartWatchedTaskAsync(cluster);
        await using var _ = socket;
        var victim = await cluster.SiloRunningAsync(taskId);
        var before = await WaitForProgressAsync(socket, minimum: 10);

        var stopped = Stopwatch.GetTimestamp();
        var exit = await victim.TerminateAsync(TimeSpan.FromMinutes(1));

        // The first sign of the resumed run: progress past what was seen, or its end, should the new
        // silo finish before the stopped silo's stream queues are read again (as in the kill above).
        var resumed = await WaitForMessageAsync(socket, m => MessageAssert.Type(m) is "complete" or "error" or "cancelled"
            || (MessageAssert.Type(m) == "progress" && m.GetProperty("current").GetInt32() > before));
        var resumeTime = Stopwatch.GetElapsedTime(stopped);
        var rest = MessageAssert.Type(resumed) == "progress" ? await socket.ReceiveUntilClosedAsync(TimeSpan.FromMinutes(3)) : [resumed];

        Assert.Equal(0, exit);
        Assert.True(resumeTime < TimeSpan.FromSeconds(20), $"the task resumed {resumeTime} after SIGTERM");
        await AssertFinishedOnceAsync(database, collection, taskId, socket.Messages, rest);
        AssertResumedOn(cluster.Silos.Single(silo => silo != victim), taskId);
    }

    [Fact]
    public async Task A_task_waits_while_postgres_restarts_and_then_completes()
    {
        await using var server = new PostgresServer { Durable = true };
        await server.InitializeAsync();
        var database = await server.CreateDatabaseAsync();
        await using var cluster = await RunningCluster.StartAsync(database, silos: 1, Lease, gatewayExtra: Large);
        var (taskId, collection, socket) = await StartWatchedTaskAsync(cluster);
        await using var _ = socket;
        await WaitForProgressAsync(socket, minimum: 10);

        // The database stays down until the task has said that it waits for it.
        await server.StopAsync();
        var waiting = await WaitForMessageAsync(socket, m => m.GetProperty("message").GetString()!.StartsWith("Waiting for the database", StringComparison.Ordinal));
        await server.StartAsync();
        NpgsqlConnection.ClearAllPools();
        var rest = await socket.ReceiveUntilClosedAsync(TimeSpan.FromMinutes(3));

        Assert.Equal("processing", waiting.GetProperty("status").GetString());
        await AssertFinishedOnceAsync(database, collection, taskId, socket.Messages, rest);
    }

    [Fact]
    public async Task A_killed_gateways_subscriptions_are_cleaned_up_and_a_new_gateway_serves_correct_snapshots()
    {
        var database = await postgres.CreateDatabaseAsync();
        // All three tasks run at once and are large, so that none has ended by the time the third reports progress
        // (with 10,000 documents each, a fast machine finished the first before the third was created).
        await using var cluster = await RunningCluster.StartAsync(database, silos: 1,
            new Dictionary<string, string?>(Lease) { ["Tasks:MaxRunningPerSilo"] = "3" }, gatewayExtra: Large);
        await using var service = await cluster.ConnectClientAsync();
        // Created first and watched after (a socket left unread while the next 30 MB body uploads misses
        // the gateway's pings and is closed), and all start together once every one is watched, so that
        // none has ended before its socket connects.
        var startAt = DateTimeOffset.UtcNow.AddSeconds(40);
        var created = new List<(Guid TaskId, string Collection)>();
        for (var i = 0; i < 3; i++)
        {
            created.Add(await CreateTaskAsync(cluster, Documents, startAt));
        }

        var watched = new List<(Guid TaskId, string Collection, SocketClient Socket)>();
        foreach (var (taskId, collection) in created)
        {
            watched.Add((taskId, collection, await WatchAsync(cluster, taskId)));
        }

        // Read together: a socket not read while another waits for its start would miss the gateway's pings.
        await Task.WhenAll(watched.Select(w => WaitForProgressAsync(w.Socket, minimum: 1)));

        var whileWatched = await SubscriptionsAsync(service.Client, watched.Select(w => w.TaskId));
        var unfinished = 0;
        foreach (var (taskId, _, _) in watched)
        {
            unfinished += (await service.Client.GetGrain<IIndexTaskGrain>(taskId).GetSnapshot())!.IsTerminal ? 0 : 1;
        }

        await cluster.Gateway.KillAsync();
        foreach (var (taskId, _, socket) in watched)
        {
            await Eventually.TrueAsync(async () => (await service.Client.GetGrain<IIndexTaskGrain>(taskId).GetSnapshot())!.IsTerminal, TimeSpan.FromMinutes(3));
            await socket.DisposeAsync();
        }

        await Eventually.TrueAsync(async () => await SubscriptionsAsync(service.Client, watched.Select(w => w.TaskId)) == 0, TimeSpan.FromMinutes(1));
        cluster.StartGateway();
        await cluster.WaitForActiveSilosAsync(1);
        var (firstTask, _, _) = watched[0];
        await using var reconnected = await SocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{cluster.GatewayPort}/ws/task/{firstTask}?token={TestTokens.Alice}"));
        var messages = await reconnected.ReceiveUntilClosedAsync();
        var snapshot = await service.Client.GetGrain<IIndexTaskGrain>(firstTask).GetSnapshot();

        Assert.Equal(3, unfinished);
        Assert.Equal(3, whileWatched);
        Assert.Equal(["connected", "complete"], messages.Select(MessageAssert.Type));
        Assert.Equal(snapshot!.Seq, MessageAssert.Seq(messages[0]));
        Assert.Equal("completed", messages[0].GetProperty("current_status").GetString());
    }

    [Fact]
    public async Task A_watcher_sees_its_task_complete_across_a_restart_of_every_silo()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await RunningCluster.StartAsync(database, silos: 1, Lease, gatewayExtra: Large);
        var (taskId, collection, socket) = await StartWatchedTaskAsync(cluster);
        await using var _ = socket;
        await WaitForProgressAsync(socket, minimum: 10);

        await cluster.Silos[0].KillAsync();
        var restarted = cluster.StartSilo(Lease);
        var rest = await socket.ReceiveUntilClosedAsync(TimeSpan.FromMinutes(3));

        await AssertFinishedOnceAsync(database, collection, taskId, socket.Messages, rest);
        AssertResumedOn(restarted, taskId);
    }

    /// <summary>The stream subscriptions registered on the tasks' streams, as the subscription store holds them.</summary>
    private static async Task<int> SubscriptionsAsync(IClusterClient client, IEnumerable<Guid> taskIds)
    {
        Assert.True(client.GetStreamProvider(TaskStreams.ProviderName).TryGetStreamSubscriptionManager(out var manager));
        var total = 0;
        foreach (var taskId in taskIds)
        {
            total += (await manager.GetSubscriptions(TaskStreams.ProviderName, TaskStreams.ForTask(taskId))).Count();
        }

        return total;
    }

    private static async Task<(Guid TaskId, string Collection, SocketClient Socket)> StartWatchedTaskAsync(RunningCluster cluster)
    {
        var (taskId, collection) = await CreateTaskAsync(cluster, Documents);
        return (taskId, collection, await WatchAsync(cluster, taskId));
    }

    private static async Task<(Guid TaskId, string Collection)> CreateTaskAsync(RunningCluster cluster, int documents, DateTimeOffset? runAt = null)
    {
        using var http = new HttpClient { BaseAddress = cluster.GatewayAddress, Timeout = TimeSpan.FromMinutes(3) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", TestTokens.Alice);
        var body = TaskRequests.Body(documents, words: 120);
        if (runAt is { } at)
        {
            body["run_at"] = at.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        }

        return (await TaskRequests.CreateAsync(http, body), body["collection"]!.GetValue<string>());
    }

    private static Task<SocketClient> WatchAsync(RunningCluster cluster, Guid taskId) =>
        SocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{cluster.GatewayPort}/ws/task/{taskId}?token={TestTokens.Alice}"));

    /// <summary>Reads until a progress message reports at least <paramref name="minimum"/> documents done; returns that count.</summary>
    private static async Task<int> WaitForProgressAsync(SocketClient socket, int minimum) =>
        (await WaitForMessageAsync(socket, m => MessageAssert.Type(m) == "progress" && m.GetProperty("current").GetInt32() >= minimum))
            .GetProperty("current").GetInt32();

    private static async Task<JsonElement> WaitForMessageAsync(SocketClient socket, Func<JsonElement, bool> wanted)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (await socket.ReceiveAsync(deadline - DateTime.UtcNow) is { } message)
        {
            if (wanted(message))
            {
                return message;
            }
        }

        throw new InvalidOperationException("The socket closed before the expected message.");
    }

    /// <summary>
    /// <paramref name="silo"/> took the task over from its checkpoint: without it the task had ended before its silo
    /// died or stopped, and the test would have passed having tested nothing.
    /// </summary>
    private static void AssertResumedOn(ProcessHost silo, Guid taskId) =>
        Assert.True(
            silo.Output.Any(line => line.Contains($"Task {taskId} resumed at ", StringComparison.Ordinal)),
            $"The silo that should have taken task {taskId} over never logged that it resumed it: the task had ended before its silo went, and nothing was tested:\n{silo.RecentOutput}");

    private static async Task AssertFinishedOnceAsync(
        string database, string collection, Guid taskId, IReadOnlyList<JsonElement> all, IReadOnlyList<JsonElement> tail)
    {
        MessageAssert.IsComplete(tail[^1], taskId);
        Assert.Single(all, m => MessageAssert.Type(m) is "complete" or "error" or "cancelled");
        MessageAssert.AreOrdered(all);
        Assert.Equal(Documents, tail[^1].GetProperty("result").GetProperty("success").GetInt32());
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*), max(write_count) FROM documents WHERE collection = @c", connection);
        command.Parameters.AddWithValue("c", collection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.Equal(Documents, reader.GetInt64(0));
        Assert.Equal(1, reader.GetInt32(1));
    }
}
