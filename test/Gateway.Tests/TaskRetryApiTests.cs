using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OrleansTasks.Testing;
using OrleansTasks.Testing.Faults;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// The retry policy and the time limit over REST and the task sockets, on an embedded gateway whose
/// index fails where the test says: <c>attempt</c> on every task message, on the task feed's rows and in the task, the
/// retry's wait in the message text, <c>attempts</c> in the result rows, and <c>timeout</c> as the
/// error code of the one terminal message.
/// </summary>
public sealed class TaskRetryApiTests : IAsyncLifetime
{
    private readonly GatewayFactory _gateway = new(services: services => services.AddFaultInjection());

    private FaultPlan Faults => _gateway.Services.GetRequiredService<FaultPlan>();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task A_retried_task_shows_its_attempts_on_the_socket_in_the_task_and_in_its_result_rows()
    {
        using var client = _gateway.CreateHttpClient(TestTokens.Alice);
        var body = TaskRequests.Body(30);
        body["retry"] = new JsonObject { ["max_attempts"] = 4, ["initial_interval"] = "PT2S", ["backoff"] = 1.5, ["max_interval"] = "PT5S" };
        body["timeout"] = "PT10M";
        var collection = body["collection"]!.GetValue<string>();
        var fault = Faults.FailIndex(collection, times: 2);

        var taskId = await TaskRequests.CreateAsync(client, body);
        await using var socket = await SocketClient.ConnectAsync(_gateway.SocketUri($"/ws/task/{taskId}", TestTokens.Alice));
        var messages = await socket.ReceiveUntilClosedAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(2, fault.Injected);
        MessageAssert.IsConnected(messages[0], taskId);
        Assert.All(messages.Skip(1).SkipLast(1), m => MessageAssert.IsProgress(m, taskId));
        MessageAssert.IsComplete(messages[^1], taskId);
        MessageAssert.AreOrdered(messages);
        // The first failure may come before the socket is open: then its wait is what "connected" says.
        // The end of each wait (Indexing 0/30 (attempt 2 of 4)) is left out: a socket opened late may miss it.
        var retrying = messages.SkipLast(1)
            .Where(m => m.GetProperty("attempt").GetInt32() > 1)
            .Select(m => (m.GetProperty("attempt").GetInt32(), m.GetProperty(MessageAssert.Type(m) == "connected" ? "status_message" : "message").GetString()))
            .Where(m => m.Item2!.StartsWith("Retrying in ", StringComparison.Ordinal))
            .Distinct().ToList();
        Assert.Equal([2, 3], retrying.Select(m => m.Item1));
        RetryMessages.AssertWait(retrying[0].Item2, 2, 4, TimeSpan.FromSeconds(2));
        RetryMessages.AssertWait(retrying[1].Item2, 3, 4, TimeSpan.FromSeconds(3));
        Assert.Equal(1, messages[^1].GetProperty("attempt").GetInt32());
        var details = messages[^1].GetProperty("result").GetProperty("details").EnumerateArray().ToList();
        Assert.Equal(3, details[0].GetProperty("attempts").GetInt32());
        Assert.All(details, detail => Assert.Contains(detail.GetProperty("attempts").GetInt32(), new[] { 1, 3 }));

        var task = await TaskRequests.GetAsync(client, taskId);
        Assert.Equal(("completed", 1, "PT10M"), (task.GetProperty("status").GetString(), task.GetProperty("attempt").GetInt32(), task.GetProperty("timeout").GetString()));
        Assert.False(task.TryGetProperty("next_attempt_at", out _));
        var rows = (await client.GetFromJsonAsync<JsonElement>($"/api/tasks/{taskId}/result?limit=100")).GetProperty("items");
        Assert.Equal(3, rows[0].GetProperty("attempts").GetInt32());
        Assert.All(rows.EnumerateArray(), row => Assert.Contains(row.GetProperty("attempts").GetInt32(), new[] { 1, 3 }));
    }

    [Fact]
    public async Task The_task_feed_shows_the_attempt_of_a_retried_task_on_its_rows()
    {
        using var client = _gateway.CreateHttpClient(TestTokens.Alice);
        await using var feed = await SocketClient.ConnectAsync(_gateway.SocketUri("/ws/tasks", TestTokens.Alice));
        Assert.Equal("connected", MessageAssert.Type((await feed.ReceiveAsync())!.Value));
        var body = TaskRequests.Body(30);
        body["retry"] = new JsonObject { ["max_attempts"] = 4, ["initial_interval"] = "PT2S", ["backoff"] = 1 };
        var fault = Faults.FailIndex(body["collection"]!.GetValue<string>(), times: 2);

        var taskId = await TaskRequests.CreateAsync(client, body);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        var rows = new List<JsonElement>();
        while (rows.Count == 0 || rows[^1].GetProperty("status").GetString() != "completed")
        {
            var message = await feed.ReceiveAsync(deadline - DateTime.UtcNow) ?? throw new InvalidOperationException("the task feed closed");
            if (MessageAssert.Type(message) == "task" && message.GetProperty("task_id").GetGuid() == taskId)
            {
                rows.Add(message);
            }
        }

        // Each retry's wait is a change of its own (message and attempt), sent within the feed's progress interval.
        Assert.Equal(2, fault.Injected);
        Assert.Equal(1, rows[0].GetProperty("attempt").GetInt32());
        // The end of each wait (Indexing 0/30 (attempt 2 of 4)) is left out: the feed may send the next change in its place.
        var retrying = rows.Where(r => r.GetProperty("attempt").GetInt32() > 1)
            .Select(r => (r.GetProperty("attempt").GetInt32(), r.GetProperty("message").GetString()))
            .Where(r => r.Item2!.StartsWith("Retrying in ", StringComparison.Ordinal)).Distinct().ToList();
        Assert.Equal([2, 3], retrying.Select(r => r.Item1));
        RetryMessages.AssertWait(retrying[0].Item2, 2, 4, TimeSpan.FromSeconds(2));
        RetryMessages.AssertWait(retrying[1].Item2, 3, 4, TimeSpan.FromSeconds(2));
        Assert.Equal(1, rows[^1].GetProperty("attempt").GetInt32());
    }

    [Fact]
    public async Task A_task_waiting_for_its_run_at_counts_its_time_limit_from_its_start_not_from_its_creation()
    {
        using var client = _gateway.CreateHttpClient(TestTokens.Alice);
        var body = TaskRequests.Body(10);
        var runAt = DateTimeOffset.UtcNow.AddSeconds(5);
        body["run_at"] = runAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        body["timeout"] = "PT3S";

        var taskId = await TaskRequests.CreateAsync(client, body);
        var end = await TaskRequests.WaitForEndAsync(client, taskId);

        // It waited longer than its limit before it started, and was not failed for it.
        Assert.True(end.GetProperty("status").GetString() == "completed", $"the task ended {end}");
        var created = end.GetProperty("created_at").GetDateTimeOffset();
        var finished = end.GetProperty("finished_at").GetDateTimeOffset();
        Assert.True(finished - created > TimeSpan.FromSeconds(3), $"created {created:O}, finished {finished:O}: the wait did not outlast the limit");
        Assert.True(end.GetProperty("started_at").GetDateTimeOffset() >= runAt.AddMilliseconds(-1), $"started before its run_at {runAt:O}: {end}");
    }

    [Fact]
    public async Task A_task_past_its_time_limit_ends_with_one_error_message_coded_timeout_also_in_the_task()
    {
        using var client = _gateway.CreateHttpClient(TestTokens.Alice);
        var body = TaskRequests.Body(10);
        body["retry"] = new JsonObject { ["initial_interval"] = "PT1M" };
        body["timeout"] = "PT1S";
        var fault = Faults.FailIndex(body["collection"]!.GetValue<string>(), times: 1000);

        var taskId = await TaskRequests.CreateAsync(client, body);
        await using var socket = await SocketClient.ConnectAsync(_gateway.SocketUri($"/ws/task/{taskId}", TestTokens.Alice));
        var messages = await socket.ReceiveUntilClosedAsync(TimeSpan.FromSeconds(60));
        fault.Stop();

        var error = Assert.Single(messages, m => MessageAssert.Type(m) is "complete" or "error" or "cancelled");
        MessageAssert.IsError(error, taskId);
        Assert.Equal("timeout", error.GetProperty("details").GetProperty("code").GetString());
        var task = await TaskRequests.GetAsync(client, taskId);
        Assert.Equal(("failed", "timeout"), (task.GetProperty("status").GetString(), task.GetProperty("error").GetProperty("code").GetString()));
        Assert.Equal(1, fault.Injected);
    }
}
