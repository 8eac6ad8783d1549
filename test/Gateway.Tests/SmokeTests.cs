using System.Net;
using System.Net.WebSockets;

namespace OrleansTasks.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public sealed class SmokeTests(SharedGateway gateway)
{
    [Fact]
    public async Task Health_endpoints_answer_without_credentials()
    {
        using var client = gateway.CreateHttpClient();

        Assert.Equal("Healthy", await client.GetStringAsync("/health/live"));
        Assert.Equal("Healthy", await client.GetStringAsync("/health/ready"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync($"/api/tasks/{Guid.NewGuid()}")).StatusCode);
    }

    [Fact]
    public async Task A_task_created_over_rest_is_watched_to_completion()
    {
        using var client = gateway.CreateHttpClient(TestTokens.Alice);
        var taskId = await TaskRequests.CreateAsync(client, TaskRequests.Body(500));

        await using var socket = await SocketClient.ConnectAsync(gateway.SocketUri($"/ws/task/{taskId}", TestTokens.Alice));
        var messages = await socket.ReceiveUntilClosedAsync();

        Assert.Equal("connected", messages[0].GetProperty("type").GetString());
        Assert.Equal("complete", messages[^1].GetProperty("type").GetString());
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
    }
}
