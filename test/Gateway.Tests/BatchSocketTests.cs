using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;

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
    public async Task A_batch_message_whose_progress_is_lower_than_the_last_one_sent_is_sent_in_seq_order()
    {
        // The batch's task waits for one due in an hour: nothing of the batch changes by itself.
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        var later = TaskRequests.Body(1);
        later["run_at"] = DateTimeOffset.UtcNow.AddHours(1).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        var laterId = await TaskRequests.CreateAsync(alice, later);
        var waiting = BatchRequests.Task("a", 5);
        waiting["depends_on"] = new System.Text.Json.Nodes.JsonArray(laterId.ToString());
        var (batchId, _) = await BatchRequests.CreateAsync(alice, BatchRequests.Body(waiting));
        await using var socket = await SocketClient.ConnectAsync(BatchSocket(batchId, TestTokens.Alice));
        Assert.Equal("connected", MessageAssert.Type((await socket.ReceiveAsync())!.Value));

        // What a batch publishes when a source task has counted its documents: the rolled-up total
        // grows, so progress falls (3,000 of 5,000 documents done, then of 50,000).
        var client = gateway.Services.GetRequiredService<IClusterClient>();
        var stream = client.GetStreamProvider(TaskStreams.ProviderName).GetStream<BatchSnapshot>(TaskStreams.ForBatch(batchId));
        var now = (await client.GetGrain<IBatchGrain>(batchId).GetSnapshot())!;
        var counting = now.Rollup with { Status = IndexTaskStatus.Processing, Progress = 60, Current = 3000, Total = 5000 };
        await stream.OnNextAsync(now with { Seq = now.Seq + 1, Rollup = counting });
        await stream.OnNextAsync(now with { Seq = now.Seq + 2, Rollup = counting with { Progress = 6, Total = 50_000 } });

        var sent = new List<(long Seq, int Progress)>();
        while (!sent.Any(m => m.Seq == now.Seq + 2))
        {
            var message = await socket.ReceiveAsync(TimeSpan.FromSeconds(30))
                ?? throw new InvalidOperationException($"the socket closed before the batch message of seq {now.Seq + 2}; came: {string.Join(", ", sent)}");
            if (MessageAssert.Type(message) == "progress")
            {
                sent.Add((MessageAssert.Seq(message), message.GetProperty("progress").GetInt32()));
            }
        }

        Assert.Equal([(now.Seq + 1, 60), (now.Seq + 2, 6)], sent.TakeLast(2));
        Assert.True(sent.Zip(sent.Skip(1)).All(pair => pair.First.Seq < pair.Second.Seq), $"seq rises: {string.Join(", ", sent)}");
        await alice.PostAsync($"/api/batches/{batchId}/cancel", null);
        await alice.PostAsync($"/api/tasks/{laterId}/cancel", null);
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
