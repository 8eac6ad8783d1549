using System.Net.Http.Json;
using System.Text.Json;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary><c>priority</c> over REST and WebSocket: given on create, shown on details, list rows and socket messages.</summary>
[Collection(GatewayCollection.Name)]
public sealed class TaskPriorityApiTests(SharedGateway gateway)
{
    [Fact]
    public async Task A_tasks_priority_shows_on_its_details_its_list_row_and_its_socket_messages()
    {
        var user = "prio-" + Guid.NewGuid().ToString("N")[..8];
        using var client = gateway.CreateHttpClient(TestTokens.For(user));
        await using var feed = await SocketClient.ConnectAsync(gateway.SocketUri("/ws/tasks", TestTokens.For(user)));
        await feed.ReceiveAsync();
        var high = TaskRequests.Body(5);
        high["priority"] = "high";
        var highId = await TaskRequests.CreateAsync(client, high);
        var plainId = await TaskRequests.CreateAsync(client, TaskRequests.Body(5));

        var highEnd = await TaskRequests.WaitForEndAsync(client, highId);
        var plainEnd = await TaskRequests.WaitForEndAsync(client, plainId);
        await using var watcher = await SocketClient.ConnectAsync(gateway.SocketUri($"/ws/task/{highId}", TestTokens.For(user)));
        var watched = await watcher.ReceiveUntilClosedAsync();
        var rows = (await client.GetFromJsonAsync<JsonElement>("/api/tasks?limit=50")).GetProperty("items").EnumerateArray()
            .ToDictionary(row => row.GetProperty("task_id").GetGuid(), row => row.GetProperty("priority").GetString());
        var feedRow = default(JsonElement);
        await Eventually.TrueAsync("the high task's row on the owner feed", async () =>
        {
            var message = await feed.ReceiveAsync();
            if (message is { } m && m.GetProperty("type").GetString() == "task" && m.GetProperty("task_id").GetGuid() == highId)
            {
                feedRow = m;
                return true;
            }

            return false;
        });

        Assert.Equal("high", highEnd.GetProperty("priority").GetString());
        Assert.Equal("normal", plainEnd.GetProperty("priority").GetString());
        Assert.All(watched, m => Assert.Equal("high", m.GetProperty("priority").GetString()));
        Assert.Equal("high", rows[highId]);
        Assert.Equal("normal", rows[plainId]);
        Assert.Equal("high", feedRow.GetProperty("priority").GetString());
    }
}
