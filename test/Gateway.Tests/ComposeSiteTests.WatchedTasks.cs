using System.Net.WebSockets;
using System.Text.Json;
using OrleansTasks.Gateway.Tests.Docker;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>The site's tasks and their sockets through nginx, and what a watched task must end with.</summary>
public sealed partial class ComposeSiteTests
{
    private static async Task<(Guid TaskId, string Collection)> CreateTaskAsync(HttpClient http)
    {
        var body = TaskRequests.Body(Documents, words: Words);
        return (await TaskRequests.CreateAsync(http, body), body["collection"]!.GetValue<string>());
    }

    private static Uri SocketUri(int port, HttpClient http, Guid taskId) =>
        new($"ws://127.0.0.1:{port}/ws/task/{taskId}?token={http.DefaultRequestHeaders.Authorization!.Parameter}");

    private static Task<SocketClient> ConnectAsync(int port, HttpClient http, Guid taskId) => SocketClient.ConnectAsync(SocketUri(port, http, taskId));

    private static async Task<SocketClient> ConnectEventuallyAsync(int port, HttpClient http, Guid taskId)
    {
        while (true)
        {
            try
            {
                return await ConnectAsync(port, http, taskId);
            }
            catch (WebSocketException)
            {
                await Task.Delay(200);
            }
        }
    }

    /// <summary>The next message; null once the socket has closed or dropped.</summary>
    private static async Task<JsonElement?> ReceiveOrDroppedAsync(SocketClient socket)
    {
        try
        {
            return await socket.ReceiveAsync(TimeSpan.FromMinutes(1));
        }
        catch (WebSocketException)
        {
            return null;
        }
    }

    /// <summary>Reads progress until it reaches <paramref name="minimum"/> percent; returns that message.</summary>
    private static async Task<JsonElement> WaitForProgressAsync(SocketClient socket, Guid taskId, int minimum)
    {
        while (true)
        {
            var message = await socket.ReceiveAsync(TimeSpan.FromMinutes(1)) ?? throw new InvalidOperationException("the socket closed before the task made progress");
            var type = MessageAssert.Type(message);
            Assert.True(type is "connected" or "progress", $"the task ended ({type}) before the fault: make it longer");
            if (type == "progress" && message.GetProperty("progress").GetInt32() >= minimum)
            {
                MessageAssert.IsProgress(message, taskId);
                return message;
            }
        }
    }

    private static void AssertCompletedOnce(Guid taskId, SocketClient socket, List<JsonElement> tail)
    {
        var all = socket.Messages;
        Assert.True(tail.Count > 0 && MessageAssert.Type(tail[^1]) == "complete",
            $"the socket closed ({socket.CloseStatus} {socket.CloseReason}) after {(tail.Count > 0 ? MessageAssert.Type(tail[^1]) : "nothing")}, not after complete");
        MessageAssert.IsComplete(tail[^1], taskId);
        Assert.Single(all, m => MessageAssert.Type(m) is "complete" or "error" or "cancelled");
        MessageAssert.AreOrdered(all);
        Assert.Equal(Documents, tail[^1].GetProperty("result").GetProperty("success").GetInt32());
    }

    private static async Task AssertEveryDocumentWrittenOnceAsync(ComposeSite site, string collection)
    {
        var counts = await site.QueryAsync($"SELECT count(*) || ' ' || max(write_count) FROM documents WHERE collection = '{collection}'");
        Assert.Equal($"{Documents} 1", counts);
    }
}
