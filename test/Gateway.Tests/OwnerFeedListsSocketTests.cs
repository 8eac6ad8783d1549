using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// <c>/ws/tasks</c> carries the user's batches and schedules too (docs/protocol.md §5): <c>batch</c> and
/// <c>schedule</c> messages with the fields of their REST rows, each item's <c>seq</c> rising.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class OwnerFeedListsSocketTests(SharedGateway gateway)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_schedule_created_paused_resumed_run_and_deleted_over_rest_is_one_schedule_message_each_time_with_its_row()
    {
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        await using var socket = await SocketClient.ConnectAsync(gateway.SocketUri("/ws/tasks", TestTokens.Alice));
        await using var admin = await SocketClient.ConnectAsync(gateway.SocketUri("/ws/tasks?scope=all", TestTokens.Admin));
        await socket.ReceiveAsync();
        await admin.ReceiveAsync();

        var id = await ScheduleRequests.CreateAsync(alice, "hourly");
        var path = $"/api/schedules/{id}";
        var first = await NextOfAsync(socket, id, m => true);

        var row = await alice.GetFromJsonAsync<JsonElement>(path);
        Assert.Equal(row.EnumerateObject().Select(field => field.Name).Append("type").Append("timestamp").Order(),
            first.EnumerateObject().Select(field => field.Name).Order());
        Assert.Equal(row.GetProperty("next_run_at").GetString(), first.GetProperty("next_run_at").GetString());
        Assert.Equal("alice", first.GetProperty("owner_id").GetString());

        await alice.PostAsync($"{path}/pause", null);
        var paused = await NextOfAsync(socket, id, m => m.GetProperty("paused").GetBoolean());
        Assert.False(paused.TryGetProperty("next_run_at", out _), $"a paused schedule has no next run: {paused}");
        await alice.PostAsync($"{path}/resume", null);
        await NextOfAsync(socket, id, m => !m.GetProperty("paused").GetBoolean() && m.TryGetProperty("next_run_at", out _));

        using var run = await alice.PostAsync($"{path}/run", null);
        var runTask = (await run.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("task_id").GetGuid();
        var ran = await NextOfAsync(socket, id, m => m.TryGetProperty("last_run", out var last) && last.GetProperty("task_id").GetGuid() == runTask);
        Assert.Equal(1, ran.GetProperty("runs").GetInt32());

        using var deleted = await alice.DeleteAsync(path);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        var gone = await NextOfAsync(socket, id, m => m.TryGetProperty("deleted", out var flag) && flag.GetBoolean());

        var messages = Of(socket.Messages, id);
        AssertSeqRises(messages);
        Assert.Single(messages, m => m.TryGetProperty("deleted", out _));
        Assert.Equal(messages[^1].ToString(), gone.ToString());

        // Everyone's feed carries it as well.
        await NextOfAsync(admin, id, m => m.TryGetProperty("deleted", out _));
    }

    [Fact]
    public async Task A_batch_cancelled_over_rest_ends_cancelled_on_the_feed_with_its_rows_fields_and_rising_seq()
    {
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        await using var socket = await SocketClient.ConnectAsync(gateway.SocketUri("/ws/tasks", TestTokens.Alice));
        await socket.ReceiveAsync();
        var (batchId, _) = await BatchRequests.CreateAsync(alice, BatchRequests.Body(
            BatchRequests.Task("big", 5000, words: 60), BatchRequests.Task("after", 10, after: "big")));
        await NextOfAsync(socket, batchId, m => true);

        using var cancel = await alice.PostAsync($"/api/batches/{batchId}/cancel", null);
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        var end = await NextOfAsync(socket, batchId, m => m.GetProperty("status").GetString() == "cancelled");

        var row = (await alice.GetFromJsonAsync<JsonElement>("/api/batches?limit=50")).GetProperty("items").EnumerateArray()
            .Single(item => item.GetProperty("batch_id").GetGuid() == batchId);
        Assert.Equal(row.EnumerateObject().Select(field => field.Name).Append("type").Append("timestamp").Order(),
            end.EnumerateObject().Select(field => field.Name).Order());
        Assert.Equal(row.GetProperty("seq").GetInt64(), MessageAssert.Seq(end));
        Assert.Equal(2, end.GetProperty("task_counts").GetProperty("cancelled").GetInt32());
        Assert.Equal("user:alice", end.GetProperty("cancelled_by").GetString());
        var messages = Of(socket.Messages, batchId);
        AssertSeqRises(messages);
        Assert.Single(messages, m => m.GetProperty("status").GetString() == "cancelled");
    }

    private static List<JsonElement> Of(List<JsonElement> messages, Guid id) =>
        [.. messages.Where(m => IdOf(m) == id)];

    private static Guid? IdOf(JsonElement message) => MessageAssert.Type(message) switch
    {
        "schedule" => message.GetProperty("schedule_id").GetGuid(),
        "batch" => message.GetProperty("batch_id").GetGuid(),
        _ => null,
    };

    private static void AssertSeqRises(List<JsonElement> messages)
    {
        for (var i = 1; i < messages.Count; i++)
        {
            Assert.True(MessageAssert.Seq(messages[i]) > MessageAssert.Seq(messages[i - 1]), $"seq did not rise at message {i}: {messages[i]}");
        }
    }

    /// <summary>Reads until a message of the item matching <paramref name="wanted"/> has come; answers it.</summary>
    private static async Task<JsonElement> NextOfAsync(SocketClient socket, Guid id, Func<JsonElement, bool> wanted)
    {
        var start = Stopwatch.GetTimestamp();
        while (true)
        {
            if (Of(socket.Messages, id).LastOrDefault() is { ValueKind: JsonValueKind.Object } last && wanted(last))
            {
                return last;
            }

            var left = Deadline - Stopwatch.GetElapsedTime(start);
            Assert.True(left > TimeSpan.Zero, $"no awaited message of {id} within {Deadline}; its messages: {string.Join("\n", Of(socket.Messages, id))}");
            Assert.NotNull(await socket.ReceiveAsync(left));
        }
    }
}
