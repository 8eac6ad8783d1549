using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using OrleansTasks.Testing;
using OrleansTasks.Testing.Storm;
using static OrleansTasks.Gateway.Tests.RetryWaitKills;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// The retry policy's waits and the time limit on real processes, with <c>kill -9</c> of the silo
/// running the task. The index fails or slows down for real: a trigger in PostgreSQL refuses the
/// task's collection with a serialization failure (a transient error) or sleeps on each row.
/// </summary>
public sealed class RetryPolicyFailoverTests(PostgresServer postgres, ITestOutputHelper output)
{
    private static readonly Dictionary<string, string?> Lease = new() { ["Tasks:LeasePeriod"] = "00:00:05" };

    [Fact]
    public async Task A_silo_killed_during_a_retry_wait_neither_loses_nor_repeats_the_attempt_and_the_task_waits_only_the_rest()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await RunningCluster.StartAsync(database, silos: 2, Lease);
        using var http = Client(cluster);
        var body = TaskRequests.Body(20);
        body["retry"] = new JsonObject { ["max_attempts"] = 5, ["initial_interval"] = "PT30S" };
        var collection = body["collection"]!.GetValue<string>();
        await DatabaseCommands.ExecuteAsync(database, RefuseSql(collection));

        var taskId = await TaskRequests.CreateAsync(http, body);
        var (_, nextAttemptAt, _, killedAt) = await KillDuringWaitAsync(cluster, http, taskId, attempt: 2);
        await DatabaseCommands.ExecuteAsync(database, $"DROP TRIGGER refuse_{collection} ON documents");
        var (resumed, resumedAt) = await FirstAnswerAsync(http, taskId);
        var ended = await TaskRequests.WaitForEndAsync(http, taskId, TimeSpan.FromMinutes(2));

        Assert.Equal("completed", ended.GetProperty("status").GetString());
        if (resumed.GetProperty("status").GetString() == "processing")
        {
            // Once the stored wait is over the new activation clears next_attempt_at as it starts the attempt.
            Assert.Equal(2, resumed.GetProperty("attempt").GetInt32());
            if (resumed.TryGetProperty("next_attempt_at", out var stored))
            {
                Assert.Equal(nextAttemptAt, Time(stored));
            }
        }

        var finishedAt = Time(ended.GetProperty("finished_at"));
        output.WriteLine($"killed {(nextAttemptAt - killedAt).TotalSeconds:F1} s before the wait's end; answered again {(resumedAt - killedAt).TotalSeconds:F1} s after the kill; ended {(finishedAt - nextAttemptAt).TotalSeconds:F1} s after the wait's end");
        AssertWaitedOnlyTheRest(finishedAt, nextAttemptAt, resumedAt);
        var rows = (await http.GetFromJsonAsync<JsonElement>($"/api/tasks/{taskId}/result?limit=100")).GetProperty("items");
        Assert.Equal(2, rows[0].GetProperty("attempts").GetInt32());
        Assert.All(rows.EnumerateArray(), row => Assert.InRange(row.GetProperty("attempts").GetInt32(), 1, 2));
        Assert.Equal(20L, await DatabaseCommands.ScalarAsync(database, $"SELECT count(*) FROM documents WHERE collection = '{collection}' AND write_count = 1"));
    }

    /// <summary>The survivor of two silos resumes the task within the lease; the limit passes while it runs there.</summary>
    [Fact]
    public async Task A_time_limit_passing_while_the_running_silo_is_killed_ends_the_task_once_with_timeout()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await RunningCluster.StartAsync(database, silos: 2, Lease);
        using var http = Client(cluster);
        var (taskId, _) = await StartSlowTaskWithLimitAsync(http, database);
        await using var socket = await SocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{cluster.GatewayPort}/ws/task/{taskId}?token={TestTokens.Alice}"));
        await ProgressPastFiveAsync(socket);
        var victim = await cluster.SiloRunningAsync(taskId);
        await victim.KillAsync();
        var killedAt = Stopwatch.GetTimestamp();
        await socket.ReceiveUntilClosedAsync(TimeSpan.FromMinutes(3));

        var end = Assert.Single(socket.Messages, m => MessageAssert.Type(m) is "complete" or "error" or "cancelled");
        MessageAssert.IsError(end, taskId);
        Assert.Equal("timeout", end.GetProperty("details").GetProperty("code").GetString());
        MessageAssert.AreOrdered(socket.Messages);
        var task = await TaskRequests.GetAsync(http, taskId);
        Assert.Equal(("failed", "timeout"), (task.GetProperty("status").GetString(), task.GetProperty("error").GetProperty("code").GetString()));
        Assert.True(Time(task.GetProperty("finished_at")) - Time(task.GetProperty("started_at")) >= TimeSpan.FromSeconds(15));
        Assert.InRange(task.GetProperty("current").GetInt32(), 5, 1_999);

        // The history holds the task's one row, ended failed at the time the task says, whatever the kill left behind.
        var failed = (int)IndexTaskStatus.Failed;
        var finishedAt = Time(task.GetProperty("finished_at"));
        Assert.Equal(1L, await DatabaseCommands.ScalarAsync(database, $"SELECT count(*) FROM task_history WHERE task_id = '{taskId}'"));
        Assert.Equal(1L, await DatabaseCommands.ScalarAsync(database,
            $"SELECT count(*) FROM task_history WHERE task_id = '{taskId}' AND status = {failed} AND abs(extract(epoch FROM finished_at - '{finishedAt:O}'::timestamptz)) < 0.001"));
        output.WriteLine($"ran {(Time(task.GetProperty("finished_at")) - Time(task.GetProperty("started_at"))).TotalSeconds:F1} s for a 15 s limit; the end reached the socket {Stopwatch.GetElapsedTime(killedAt).TotalSeconds:F1} s after the kill");
        Assert.True(Stopwatch.GetElapsedTime(killedAt) < TimeSpan.FromMinutes(2));
    }

    [Fact]
    public async Task A_time_limit_that_passes_while_the_only_silo_is_dead_ends_the_task_once_with_timeout_after_the_restart()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await RunningCluster.StartAsync(database, silos: 1, Lease);
        using var http = Client(cluster);
        var (taskId, collection) = await StartSlowTaskWithLimitAsync(http, database);

        // A socket left unread through the wait below would be closed as a slow consumer: the end is watched on a new one.
        await using (var socket = await SocketClient.ConnectAsync(new Uri($"ws://127.0.0.1:{cluster.GatewayPort}/ws/task/{taskId}?token={TestTokens.Alice}")))
        {
            await ProgressPastFiveAsync(socket);
        }

        var limit = Time((await TaskRequests.GetAsync(http, taskId)).GetProperty("started_at")) + TimeSpan.FromSeconds(15);
        await (await cluster.SiloRunningAsync(taskId)).KillAsync();
        var killedAt = DateTimeOffset.UtcNow;
        Assert.True(killedAt < limit, $"the silo was killed at {killedAt:O}, after the limit {limit:O}: the test proves nothing");
        var written = await DatabaseCommands.ScalarAsync(database, $"SELECT count(*) FROM documents WHERE collection = '{collection}'");

        // A client that keeps reading and reconnects through the outage, as a careful one does: it hears the end live.
        var watching = ReconnectingWatcher.WatchAsync("timed-out task", new Uri($"ws://127.0.0.1:{cluster.GatewayPort}/ws/task/{taskId}?token={TestTokens.Alice}"), TimeSpan.FromMinutes(5));

        // Nothing runs the task now: the limit passes while no silo is alive.
        var untilPast = limit + TimeSpan.FromSeconds(1) - DateTimeOffset.UtcNow;
        if (untilPast > TimeSpan.Zero)
        {
            await Task.Delay(untilPast);
        }

        var restartedAt = DateTimeOffset.UtcNow;
        cluster.StartSilo(Lease);
        var task = await TaskRequests.WaitForEndAsync(http, taskId, TimeSpan.FromMinutes(3));
        var watcher = await watching;

        Assert.Empty(watcher.Violations);
        var end = Assert.IsType<JsonElement>(watcher.Terminal);
        MessageAssert.IsError(end, taskId);
        Assert.Equal("timeout", end.GetProperty("details").GetProperty("code").GetString());
        Assert.Equal(("failed", "timeout"), (task.GetProperty("status").GetString(), task.GetProperty("error").GetProperty("code").GetString()));
        var finishedAt = Time(task.GetProperty("finished_at"));
        Assert.True(finishedAt >= limit, $"the task ended at {finishedAt:O}, before its limit {limit:O}");
        Assert.True(finishedAt >= restartedAt, $"the task ended at {finishedAt:O}, before the silo was started again at {restartedAt:O}");

        // The end reports the checkpoint the dead silo stored, which may lie below the progress the socket heard
        // (a resumed task goes on from its last checkpoint), and never above what was written.
        Assert.InRange(task.GetProperty("current").GetInt32(), 0L, written);

        // The new silo ended the task as it resumed it, past its limit: it indexed nothing more.
        Assert.Equal(written, await DatabaseCommands.ScalarAsync(database, $"SELECT count(*) FROM documents WHERE collection = '{collection}'"));

        // The history holds the task's one row, ended failed at the time the task says, whatever the kill left behind.
        var failed = (int)IndexTaskStatus.Failed;
        Assert.Equal(1L, await DatabaseCommands.ScalarAsync(database, $"SELECT count(*) FROM task_history WHERE task_id = '{taskId}'"));
        Assert.Equal(1L, await DatabaseCommands.ScalarAsync(database,
            $"SELECT count(*) FROM task_history WHERE task_id = '{taskId}' AND status = {failed} AND abs(extract(epoch FROM finished_at - '{finishedAt:O}'::timestamptz)) < 0.001"));
        output.WriteLine($"killed {(limit - killedAt).TotalSeconds:F1} s before the limit; restarted {(restartedAt - limit).TotalSeconds:F1} s after it; ended {(finishedAt - restartedAt).TotalSeconds:F1} s after the restart");

        // The dead silo's row still says Active: the new silo joins once it has voted it out, soon after its
        // heartbeat went stale (FastFailureDetection), and the lease's next tick ends the task.
        Assert.True(finishedAt - restartedAt < TimeSpan.FromSeconds(30),
            $"the task ended {(finishedAt - restartedAt).TotalSeconds:F1} s after the silo was started again: the restarted silo joined late");
    }

    /// <summary>A task of 2,000 documents, each written slowly, with a time limit of 15 s; its id and collection.</summary>
    private static async Task<(Guid TaskId, string Collection)> StartSlowTaskWithLimitAsync(HttpClient http, string database)
    {
        var body = TaskRequests.Body(2_000, words: 20);
        body["timeout"] = "PT15S";
        var collection = body["collection"]!.GetValue<string>();
        await DatabaseCommands.ExecuteAsync(database, SlowSql(collection));
        return (await TaskRequests.CreateAsync(http, body), collection);
    }

    private static Task ProgressPastFiveAsync(SocketClient socket) => Deadline.RunAsync(async _ =>
    {
        while (await socket.ReceiveAsync(TimeSpan.FromMinutes(1)) is { } message)
        {
            if (MessageAssert.Type(message) == "progress" && message.GetProperty("current").GetInt32() >= 5)
            {
                return;
            }
        }
    }, TimeSpan.FromMinutes(1), "progress past 5 documents");

    /// <summary>Index writes into <paramref name="collection"/> fail with SQLSTATE 40001, which Npgsql reports as transient.</summary>
    internal static string RefuseSql(string collection) => $"""
        CREATE FUNCTION refuse_{collection}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'refused for the test' USING ERRCODE = 'serialization_failure';
        END $$;
        CREATE TRIGGER refuse_{collection} BEFORE INSERT ON documents
            FOR EACH ROW WHEN (NEW.collection = '{collection}') EXECUTE FUNCTION refuse_{collection}();
        """;

    /// <summary>Each document written into <paramref name="collection"/> takes 20 ms more.</summary>
    private static string SlowSql(string collection) => $"""
        CREATE FUNCTION slow_{collection}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_sleep(0.02);
            RETURN NEW;
        END $$;
        CREATE TRIGGER slow_{collection} BEFORE INSERT ON documents
            FOR EACH ROW WHEN (NEW.collection = '{collection}') EXECUTE FUNCTION slow_{collection}();
        """;
}
