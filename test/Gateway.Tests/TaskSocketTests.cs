using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using OrleansTasks.Gateway.WebSockets;

using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public sealed class TaskSocketTests(SharedGateway gateway)
{
    private Uri TaskSocket(Guid taskId, string? token) => gateway.SocketUri($"/ws/task/{taskId}", token);

    [Fact]
    public async Task A_watcher_sees_connected_then_ordered_progress_then_complete_and_a_normal_close()
    {
        using var client = gateway.CreateHttpClient(TestTokens.Alice);
        var taskId = await TaskRequests.CreateAsync(client, TaskRequests.Body(6000, words: 100));

        await using var socket = await SocketClient.ConnectAsync(TaskSocket(taskId, TestTokens.Alice));
        var messages = await socket.ReceiveUntilClosedAsync();

        MessageAssert.IsConnected(messages[0], taskId);
        var progress = messages.Skip(1).SkipLast(1).ToList();
        Assert.NotEmpty(progress);
        Assert.All(progress, m => MessageAssert.IsProgress(m, taskId));
        MessageAssert.IsComplete(messages[^1], taskId);
        MessageAssert.AreOrdered(messages);
        Assert.Equal(6000, messages[^1].GetProperty("result").GetProperty("success").GetInt32());
        Assert.True(messages[^1].GetProperty("result").GetProperty("details_truncated").GetBoolean());
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
        Assert.Equal("Task finished", socket.CloseReason);
    }

    [Fact]
    public async Task A_watcher_connecting_after_the_end_gets_connected_then_complete_with_the_same_seq()
    {
        using var client = gateway.CreateHttpClient(TestTokens.Alice);
        var taskId = await TaskRequests.CreateAsync(client, TaskRequests.Body(20));
        var ended = await TaskRequests.WaitForEndAsync(client, taskId);

        await using var socket = await SocketClient.ConnectAsync(TaskSocket(taskId, TestTokens.Alice));
        var messages = await socket.ReceiveUntilClosedAsync();

        Assert.Equal(2, messages.Count);
        MessageAssert.IsConnected(messages[0], taskId);
        Assert.Equal("completed", messages[0].GetProperty("current_status").GetString());
        Assert.Equal(100, messages[0].GetProperty("current_progress").GetInt32());
        MessageAssert.IsComplete(messages[1], taskId);
        Assert.Equal(MessageAssert.Seq(messages[0]), MessageAssert.Seq(messages[1]));
        Assert.Equal(ended.GetProperty("seq").GetInt64(), MessageAssert.Seq(messages[1]));
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
    }

    [Fact]
    public async Task Three_watchers_of_one_task_receive_the_same_ordered_sequence()
    {
        using var client = gateway.CreateHttpClient(TestTokens.Alice);
        var taskId = await TaskRequests.CreateAsync(client, TaskRequests.Body(8000, words: 100));
        var sockets = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => SocketClient.ConnectAsync(TaskSocket(taskId, TestTokens.Alice))));
        try
        {
            var received = await Task.WhenAll(sockets.Select(s => s.ReceiveUntilClosedAsync()));

            var start = received.Max(messages => MessageAssert.Seq(messages[0]));
            var sequences = received
                .Select(messages => messages.Skip(1).Where(m => MessageAssert.Seq(m) > start)
                    .Select(m => $"{MessageAssert.Type(m)}#{MessageAssert.Seq(m)}").ToList())
                .ToList();
            Assert.All(received, MessageAssert.AreOrdered);
            Assert.True(sequences[0].Count >= 2, $"expected several events after seq {start}: {string.Join(", ", sequences[0])}");
            Assert.Equal(sequences[0], sequences[1]);
            Assert.Equal(sequences[0], sequences[2]);
            Assert.StartsWith("complete#", sequences[0][^1], StringComparison.Ordinal);
        }
        finally
        {
            foreach (var socket in sockets)
            {
                await socket.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Cancelling_a_watched_task_sends_cancelled_with_who_cancelled_it()
    {
        using var client = gateway.CreateHttpClient(TestTokens.Alice);
        var taskId = await TaskRequests.CreateAsync(client, TaskRequests.Body(10_000, words: 200));
        await using var socket = await SocketClient.ConnectAsync(TaskSocket(taskId, TestTokens.Alice));
        MessageAssert.IsConnected((await socket.ReceiveAsync())!.Value, taskId);

        using var cancel = await client.PostAsync($"/api/tasks/{taskId}/cancel", null);
        var rest = await socket.ReceiveUntilClosedAsync();

        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        MessageAssert.IsCancelled(rest[^1], taskId, "user:alice");
        MessageAssert.AreOrdered(socket.Messages);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
    }

    [Fact]
    public async Task An_admin_may_watch_any_task()
    {
        using var client = gateway.CreateHttpClient(TestTokens.Alice);
        var taskId = await TaskRequests.CreateAsync(client, TaskRequests.Body(10));
        await TaskRequests.WaitForEndAsync(client, taskId);

        await using var socket = await SocketClient.ConnectAsync(TaskSocket(taskId, TestTokens.Admin));
        var messages = await socket.ReceiveUntilClosedAsync();

        Assert.Equal(["connected", "complete"], messages.Select(MessageAssert.Type));
    }

    [Fact]
    public async Task Ping_in_both_forms_is_answered_with_pong()
    {
        using var client = gateway.CreateHttpClient(TestTokens.Alice);
        var taskId = await TaskRequests.CreateAsync(client, TaskRequests.Body(10_000, words: 200));
        await using var socket = await SocketClient.ConnectAsync(TaskSocket(taskId, TestTokens.Alice));

        await socket.SendTextAsync("ping");
        await socket.SendTextAsync("""{"type":"ping"}""");
        await socket.SendTextAsync("hello, this is ignored");
        var pongs = new List<System.Text.Json.JsonElement>();
        while (pongs.Count < 2 && await socket.ReceiveAsync() is { } message)
        {
            if (MessageAssert.Type(message) == "pong")
            {
                pongs.Add(message);
            }
        }

        Assert.Equal(2, pongs.Count);
        Assert.All(pongs, MessageAssert.IsPong);
        Assert.Equal("connected", MessageAssert.Type(socket.Messages[0]));
        await client.PostAsync($"/api/tasks/{taskId}/cancel", null);
    }

    [Fact]
    public async Task A_binary_message_closes_with_1003()
    {
        await using var socket = await WatchRunningTaskAsync();

        await socket.Socket.SendAsync(new byte[] { 1, 2, 3 }, WebSocketMessageType.Binary, true, CancellationToken.None);
        await socket.ReceiveUntilClosedAsync();

        Assert.Equal(WebSocketCloseStatus.InvalidMessageType, socket.CloseStatus);
    }

    [Fact]
    public async Task A_message_over_4096_bytes_closes_with_1009_even_in_fragments()
    {
        await using var socket = await WatchRunningTaskAsync();

        var fragment = Encoding.UTF8.GetBytes(new string('x', 3000));
        await socket.Socket.SendAsync(fragment, WebSocketMessageType.Text, endOfMessage: false, CancellationToken.None);
        await socket.Socket.SendAsync(fragment, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        await socket.ReceiveUntilClosedAsync();

        Assert.Equal(WebSocketCloseStatus.MessageTooBig, socket.CloseStatus);
    }

    [Fact]
    public async Task A_message_of_exactly_4096_bytes_is_accepted()
    {
        await using var socket = await WatchRunningTaskAsync();

        await socket.SendTextAsync(new string('x', 4096));
        await socket.SendTextAsync("ping");
        while (await socket.ReceiveAsync() is { } message && MessageAssert.Type(message) != "pong")
        {
        }

        Assert.Null(socket.CloseStatus);
    }

    [Fact]
    public async Task More_than_20_messages_a_second_close_with_1008()
    {
        await using var socket = await WatchRunningTaskAsync();

        for (var i = 0; i < 25 && socket.Socket.State == WebSocketState.Open; i++)
        {
            await socket.SendTextAsync("noise");
        }

        await socket.ReceiveUntilClosedAsync();

        Assert.Equal(WebSocketCloseStatus.PolicyViolation, socket.CloseStatus);
        Assert.Equal("Rate limit exceeded", socket.CloseReason);
    }

    public static TheoryData<string, string?> BadCredentials => new()
    {
        { "missing", null },
        { "garbage", "not-a-jwt" },
        { "expired", TestTokens.For("alice", expires: DateTime.UtcNow.AddMinutes(-5)) },
        { "wrong key", TestTokens.For("alice", key: "another-signing-key-that-is-long-enough-0123456789") },
        { "wrong issuer", TestTokens.For("alice", issuer: "someone-else") },
        { "wrong audience", TestTokens.For("alice", audience: "someone-else") },
        { "over 8 KiB", TestTokens.For("alice", extraClaims: new Dictionary<string, object> { ["padding"] = new string('p', 9000) }) },
    };

    [Theory]
    [MemberData(nameof(BadCredentials))]
    public async Task Bad_credentials_close_with_1008_authentication_failed(string why, string? token)
    {
        await using var socket = await SocketClient.ConnectAsync(TaskSocket(Guid.NewGuid(), token));

        var messages = await socket.ReceiveUntilClosedAsync();

        Assert.True(messages.Count == 0, why);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, socket.CloseStatus);
        Assert.Equal("Authentication failed", socket.CloseReason);
    }

    [Fact]
    public async Task Unknown_malformed_and_foreign_tasks_all_close_with_1008_task_not_found()
    {
        using var client = gateway.CreateHttpClient(TestTokens.Alice);
        var alicesTask = await TaskRequests.CreateAsync(client, TaskRequests.Body(5));
        Uri[] targets =
        [
            TaskSocket(Guid.NewGuid(), TestTokens.Bob),
            gateway.SocketUri("/ws/task/not-a-uuid", TestTokens.Bob),
            TaskSocket(alicesTask, TestTokens.Bob),
        ];

        foreach (var target in targets)
        {
            await using var socket = await SocketClient.ConnectAsync(target);
            var messages = await socket.ReceiveUntilClosedAsync();

            Assert.Empty(messages);
            Assert.Equal(WebSocketCloseStatus.PolicyViolation, socket.CloseStatus);
            Assert.Equal("Task not found", socket.CloseReason);
        }
    }

    [Fact]
    public async Task The_bearer_header_works_as_well_as_the_query_token()
    {
        using var client = gateway.CreateHttpClient(TestTokens.Alice);
        var taskId = await TaskRequests.CreateAsync(client, TaskRequests.Body(5));
        await TaskRequests.WaitForEndAsync(client, taskId);

        await using var socket = await SocketClient.ConnectAsync(TaskSocket(taskId, token: null), bearer: TestTokens.Alice);
        var messages = await socket.ReceiveUntilClosedAsync();

        Assert.Equal(["connected", "complete"], messages.Select(MessageAssert.Type));
    }

    [Fact]
    public async Task A_plain_http_request_to_the_socket_path_gets_400_with_a_problem_body()
    {
        using var client = gateway.CreateHttpClient();

        using var response = await client.GetAsync($"/ws/task/{Guid.NewGuid()}?token={TestTokens.Alice}");
        var problem = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
    }

    [Theory]
    [InlineData("https://evil.example")]
    [InlineData("https://app.example.com.evil.test")]
    [InlineData("http://localhost.evil.test:8800")]
    public async Task A_foreign_origin_is_refused_with_403_before_the_upgrade(string origin)
    {
        var error = await Assert.ThrowsAsync<WebSocketException>(() =>
            SocketClient.ConnectAsync(TaskSocket(Guid.NewGuid(), TestTokens.Alice), origin));

        Assert.Contains("403", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("own")]
    [InlineData("http://localhost:5173")]
    [InlineData("http://127.0.0.1:3000")]
    [InlineData("null")]
    public async Task No_origin_the_own_origin_and_development_origins_are_allowed(string? origin)
    {
        using var client = gateway.CreateHttpClient(TestTokens.Alice);
        var taskId = await TaskRequests.CreateAsync(client, TaskRequests.Body(3));
        await TaskRequests.WaitForEndAsync(client, taskId);

        await using var socket = await SocketClient.ConnectAsync(
            TaskSocket(taskId, TestTokens.Alice), origin == "own" ? gateway.BaseAddress.GetLeftPart(UriPartial.Authority) : origin);
        var messages = await socket.ReceiveUntilClosedAsync();

        Assert.Equal(2, messages.Count);
    }

    [Fact]
    public async Task The_subscription_count_returns_to_zero_after_every_socket_closes()
    {
        var metrics = gateway.Services.GetRequiredService<GatewayMetrics>();
        using var collector = new Microsoft.Extensions.Diagnostics.Metrics.Testing.MetricCollector<long>(
            gateway.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), GatewayMetrics.MeterName, GatewayMetrics.SubscriptionsInstrument);
        using var client = gateway.CreateHttpClient(TestTokens.Alice);
        var taskId = await TaskRequests.CreateAsync(client, TaskRequests.Body(10_000, words: 200));

        var sockets = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => SocketClient.ConnectAsync(TaskSocket(taskId, TestTokens.Alice))));
        foreach (var socket in sockets)
        {
            await socket.ReceiveAsync();
        }

        collector.RecordObservableInstruments();
        var whileOpen = collector.LastMeasurement!.Value;
        foreach (var socket in sockets)
        {
            await socket.DisposeAsync();
        }

        await Eventually.TrueAsync(() => metrics.Subscriptions == 0);
        collector.RecordObservableInstruments();
        await client.PostAsync($"/api/tasks/{taskId}/cancel", null);

        Assert.Equal(1, whileOpen);
        Assert.Equal(0, collector.LastMeasurement!.Value);
    }

    private async Task<SocketClient> WatchRunningTaskAsync()
    {
        using var client = gateway.CreateHttpClient(TestTokens.Alice);
        var taskId = await TaskRequests.CreateAsync(client, TaskRequests.Body(10_000, words: 200));
        var socket = await SocketClient.ConnectAsync(TaskSocket(taskId, TestTokens.Alice));
        Assert.Equal("connected", MessageAssert.Type((await socket.ReceiveAsync())!.Value));
        socket.AfterDispose = async () =>
        {
            using var canceller = gateway.CreateHttpClient(TestTokens.Alice);
            await canceller.PostAsync($"/api/tasks/{taskId}/cancel", null);
        };
        return socket;
    }
}
