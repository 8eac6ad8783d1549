using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OrleansTasks.Testing;
using OrleansTasks.Testing.Faults;

namespace OrleansTasks.Gateway.Tests;

/// <summary><c>/ws/tasks</c>: one socket following every change to a user's tasks (docs/protocol.md §5).</summary>
[Collection(GatewayCollection.Name)]
public sealed class OwnerFeedSocketTests(SharedGateway gateway)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_users_feed_shows_each_new_task_of_theirs_in_seq_order_to_its_end_and_no_one_elses()
    {
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        using var bob = gateway.CreateHttpClient(TestTokens.Bob);
        await using var socket = await SocketClient.ConnectAsync(gateway.SocketUri("/ws/tasks", TestTokens.Alice));
        var connected = (await socket.ReceiveAsync())!.Value;
        Assert.Equal("connected", MessageAssert.Type(connected));
        Assert.Equal("mine", connected.GetProperty("scope").GetString());
        Assert.Equal("alice", connected.GetProperty("owner_id").GetString());

        var bobsTask = await TaskRequests.CreateAsync(bob, TaskRequests.Body(5));
        var created = new ConcurrentDictionary<Guid, long>();
        var firstReceived = new ConcurrentDictionary<Guid, long>();
        var reading = ReceiveUntilAsync(socket, received =>
        {
            // A task's first message may arrive before its create is answered: the delay is then below zero.
            if (received.Count > 0 && TaskIdOf(received[^1]) is { } id)
            {
                firstReceived.TryAdd(id, Stopwatch.GetTimestamp());
            }

            return created.Count == 3 && created.Keys.All(id => received.Any(m => TaskIdOf(m) == id && m.GetProperty("status").GetString() == "completed"));
        });
        for (var i = 0; i < 3; i++)
        {
            var taskId = await TaskRequests.CreateAsync(alice, TaskRequests.Body(1500, words: 60));
            created[taskId] = Stopwatch.GetTimestamp();
        }

        var messages = await reading;

        Assert.DoesNotContain(messages, m => TaskIdOf(m) == bobsTask);
        foreach (var taskId in created.Keys)
        {
            var ofTask = messages.Where(m => TaskIdOf(m) == taskId).ToList();
            // The target is 1 s; the bound leaves room for a test machine running other suites at once.
            var delay = Stopwatch.GetElapsedTime(created[taskId], firstReceived[taskId]);
            Assert.True(delay < TimeSpan.FromSeconds(2), $"task {taskId} first appeared {delay.TotalMilliseconds:F0} ms after its create was answered");
            AssertTaskRow(ofTask[0], taskId);
            AssertMovesForward(ofTask);
            Assert.Single(ofTask, m => m.GetProperty("status").GetString() == "completed");
            var end = ofTask[^1];
            Assert.Equal("completed", end.GetProperty("status").GetString());
            Assert.Equal(100, end.GetProperty("progress").GetInt32());
            Assert.Equal(1500, end.GetProperty("current").GetInt32());
            Assert.Equal(0, end.GetProperty("eta_seconds").GetInt32());
        }
    }

    [Fact]
    public async Task A_running_task_shows_its_rate_and_time_left_and_progress_at_most_twice_a_second()
    {
        // A gateway of its own with its index paced, so that the task runs for seconds: unpaced, 10,000 documents
        // took about one and could end before the feed showed them running.
        await using var paced = new GatewayFactory(services: services => services.AddFaultInjection());
        using var alice = paced.CreateHttpClient(TestTokens.Alice);
        paced.Services.GetRequiredService<FaultPlan>().PaceIndex("paced", TimeSpan.FromMilliseconds(1));
        await using var socket = await SocketClient.ConnectAsync(paced.SocketUri("/ws/tasks", TestTokens.Alice));
        await socket.ReceiveAsync();
        var taskId = await TaskRequests.CreateAsync(alice, TaskRequests.Body(4_000, collection: "paced"));

        var messages = (await ReceiveUntilAsync(socket, received => received.Any(m => TaskIdOf(m) == taskId && m.GetProperty("status").GetString() == "completed")))
            .Where(m => TaskIdOf(m) == taskId).ToList();

        AssertMovesForward(messages);
        var running = messages.Where(m => m.GetProperty("status").GetString() == "processing").ToList();
        Assert.True(running.Count > 0, "the task ended before the feed showed it processing: nothing was tested");
        Assert.Contains(running, m => m.GetProperty("rate").ValueKind == JsonValueKind.Number && m.GetProperty("rate").GetDouble() > 0
            && m.GetProperty("eta_seconds").ValueKind == JsonValueKind.Number);
        var first = DateTimeOffset.Parse(running[0].GetProperty("timestamp").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        var last = DateTimeOffset.Parse(messages[^1].GetProperty("timestamp").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(last - first >= TimeSpan.FromSeconds(2), $"the task ran {(last - first).TotalSeconds:F1} s: too short to show the feed's pace");
        var allowed = (int)Math.Ceiling((last - first).TotalSeconds * 2) + 2;
        Assert.True(running.Count <= allowed, $"{running.Count} progress messages over {(last - first).TotalSeconds:F1} s (at most {allowed} allowed)");
    }

    [Fact]
    public async Task An_admin_following_everyone_sees_another_users_task_and_others_may_not()
    {
        using var bob = gateway.CreateHttpClient(TestTokens.Bob);
        await using var admin = await SocketClient.ConnectAsync(gateway.SocketUri("/ws/tasks?scope=all", TestTokens.Admin));
        var connected = (await admin.ReceiveAsync())!.Value;
        Assert.Equal("all", connected.GetProperty("scope").GetString());

        var taskId = await TaskRequests.CreateAsync(bob, TaskRequests.Body(5));
        var messages = await ReceiveUntilAsync(admin, received => received.Any(m => TaskIdOf(m) == taskId && m.GetProperty("status").GetString() == "completed"));
        Assert.Equal("bob", messages.First(m => TaskIdOf(m) == taskId).GetProperty("owner_id").GetString());

        foreach (var (path, token, reason) in new[]
        {
            ("/ws/tasks?scope=all", TestTokens.Alice, "Scope not allowed"),
            ("/ws/tasks?scope=own", TestTokens.Alice, "Scope not allowed"),
            ("/ws/tasks", null, "Authentication failed"),
        })
        {
            await using var refused = await SocketClient.ConnectAsync(gateway.SocketUri(path, token));
            Assert.Empty(await refused.ReceiveUntilClosedAsync());
            Assert.Equal(WebSocketCloseStatus.PolicyViolation, refused.CloseStatus);
            Assert.Equal(reason, refused.CloseReason);
        }
    }

    private static Guid? TaskIdOf(JsonElement message) =>
        MessageAssert.Type(message) == "task" ? message.GetProperty("task_id").GetGuid() : null;

    private static void AssertTaskRow(JsonElement message, Guid taskId)
    {
        Assert.Equal("task", MessageAssert.Type(message));
        Assert.Equal(taskId, message.GetProperty("task_id").GetGuid());
        Assert.Equal("alice", message.GetProperty("owner_id").GetString());
        foreach (var field in new[] { "status", "progress", "current", "total", "message", "collection", "created_at", "updated_at",
            "finished_at", "batch_id", "schedule_id", "rate", "eta_seconds", "priority", "attempt", "seq", "timestamp" })
        {
            Assert.True(message.TryGetProperty(field, out _), $"a task message without {field}: {message}");
        }
    }

    /// <summary>Each task's messages: <c>seq</c> strictly rising, progress never back, nothing after the end.</summary>
    private static void AssertMovesForward(List<JsonElement> ofTask)
    {
        for (var i = 1; i < ofTask.Count; i++)
        {
            Assert.True(MessageAssert.Seq(ofTask[i]) > MessageAssert.Seq(ofTask[i - 1]), $"seq did not rise at message {i}: {ofTask[i]}");
            Assert.True(ofTask[i].GetProperty("progress").GetInt32() >= ofTask[i - 1].GetProperty("progress").GetInt32(), $"progress went back at message {i}");
        }
    }

    private static async Task<List<JsonElement>> ReceiveUntilAsync(SocketClient socket, Func<List<JsonElement>, bool> done)
    {
        var stop = Stopwatch.GetTimestamp();
        while (!done(socket.Messages))
        {
            var left = Deadline - Stopwatch.GetElapsedTime(stop);
            Assert.True(left > TimeSpan.Zero, $"the feed did not show what was awaited within {Deadline} ({socket.Messages.Count} messages)");
            Assert.NotNull(await socket.ReceiveAsync(left));
        }

        return socket.Messages;
    }
}
