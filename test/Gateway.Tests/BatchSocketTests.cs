using System.Net.WebSockets;

using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public sealed class BatchSocketTests(SharedGateway gateway)
{
    private Uri BatchSocket(Guid batchId, string? token) => gateway.SocketUri($"/ws/batch/{batchId}", token);

    [Fact]
    public async Task A_batch_watcher_sees_connected_then_ordered_progress_then_complete_and_a_normal_close()
    {
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        var (batchId, _) = await BatchRequests.CreateAsync(alice, BatchRequests.Body(
            BatchRequests.Task("a", 3000, words: 60), BatchRequests.Task("b", 1000, words: 60), BatchRequests.Task("c", 500, 60, "a", "b")));

        await using var socket = await SocketClient.ConnectAsync(BatchSocket(batchId, TestTokens.Alice));
        var messages = await socket.ReceiveUntilClosedAsync(TimeSpan.FromSeconds(90));

        MessageAssert.IsBatchConnected(messages[0], batchId);
        var progress = messages.Skip(1).SkipLast(1).ToList();
        Assert.NotEmpty(progress);
        Assert.All(progress, m => MessageAssert.IsBatchProgress(m, batchId));
        Assert.Contains(progress, m => m.GetProperty("tasks").GetProperty("waiting").GetInt32() == 1);
        MessageAssert.IsBatchComplete(messages[^1], batchId);
        MessageAssert.AreOrdered(messages);
        Assert.Equal(4500, messages[^1].GetProperty("result").GetProperty("success").GetInt32());
        Assert.Equal(3, messages[^1].GetProperty("tasks").GetProperty("completed").GetInt32());
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
        Assert.Equal("Batch finished", socket.CloseReason);
    }

    [Fact]
    public async Task A_batch_watcher_connecting_after_the_end_gets_connected_then_its_terminal_message_with_the_same_seq()
    {
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        var (batchId, _) = await BatchRequests.CreateAsync(alice, BatchRequests.Body(BatchRequests.Task("a", 5)));
        await BatchRequests.WaitForEndAsync(alice, batchId);

        await using var socket = await SocketClient.ConnectAsync(BatchSocket(batchId, TestTokens.Alice));
        var messages = await socket.ReceiveUntilClosedAsync();

        Assert.Equal(2, messages.Count);
        MessageAssert.IsBatchConnected(messages[0], batchId);
        Assert.Equal("completed", messages[0].GetProperty("current_status").GetString());
        MessageAssert.IsBatchComplete(messages[1], batchId);
        Assert.Equal(MessageAssert.Seq(messages[0]), MessageAssert.Seq(messages[1]));
    }

    [Fact]
    public async Task Cancelling_a_watched_batch_ends_its_socket_with_cancelled_naming_who_cancelled()
    {
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        var (batchId, _) = await BatchRequests.CreateAsync(alice, BatchRequests.Body(
            BatchRequests.Task("a", 5000, words: 60), BatchRequests.Task("b", 5000, words: 60)));
        await using var socket = await SocketClient.ConnectAsync(BatchSocket(batchId, TestTokens.Alice));
        Assert.Equal("connected", MessageAssert.Type((await socket.ReceiveAsync())!.Value));

        await alice.PostAsync($"/api/batches/{batchId}/cancel", null);
        var messages = await socket.ReceiveUntilClosedAsync();

        MessageAssert.IsBatchCancelled(messages[^1], batchId, "user:alice");
        Assert.Equal(2, messages[^1].GetProperty("tasks").GetProperty("cancelled").GetInt32());
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
    }

    [Fact]
    public async Task Unknown_malformed_and_other_users_batches_close_with_1008_batch_not_found()
    {
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        var (batchId, tasks) = await BatchRequests.CreateAsync(alice, BatchRequests.Body(BatchRequests.Task("a", 5)));
        var uris = new[]
        {
            BatchSocket(Guid.NewGuid(), TestTokens.Alice),
            gateway.SocketUri("/ws/batch/not-a-batch", TestTokens.Alice),
            BatchSocket(batchId, TestTokens.Bob),
            BatchSocket(tasks["a"], TestTokens.Alice),
        };

        foreach (var uri in uris)
        {
            await using var socket = await SocketClient.ConnectAsync(uri);
            var messages = await socket.ReceiveUntilClosedAsync();

            Assert.Empty(messages);
            Assert.Equal(WebSocketCloseStatus.PolicyViolation, socket.CloseStatus);
            Assert.Equal("Batch not found", socket.CloseReason);
        }
    }

    [Fact]
    public async Task A_batch_socket_keeps_the_task_sockets_rules_for_tokens_and_origins()
    {
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        var (batchId, _) = await BatchRequests.CreateAsync(alice, BatchRequests.Body(BatchRequests.Task("a", 5)));

        await using var noToken = await SocketClient.ConnectAsync(BatchSocket(batchId, null));
        await noToken.ReceiveUntilClosedAsync();
        var refused = await Assert.ThrowsAsync<WebSocketException>(() =>
            SocketClient.ConnectAsync(BatchSocket(batchId, TestTokens.Alice), origin: "https://evil.example"));
        await using var admin = await SocketClient.ConnectAsync(BatchSocket(batchId, TestTokens.Admin));
        var adminMessages = await admin.ReceiveUntilClosedAsync();

        Assert.Equal(WebSocketCloseStatus.PolicyViolation, noToken.CloseStatus);
        Assert.Equal("Authentication failed", noToken.CloseReason);
        Assert.Contains("403", refused.Message, StringComparison.Ordinal);
        MessageAssert.IsBatchConnected(adminMessages[0], batchId);
    }
}
