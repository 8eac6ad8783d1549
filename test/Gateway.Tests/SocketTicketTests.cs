using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;

using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public sealed class SocketTicketTests(SharedGateway gateway)
{
    private static async Task<string> TicketAsync(HttpClient client)
    {
        using var response = await client.PostAsync("/api/ws-tickets", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(30, body.GetProperty("expires_in").GetInt32());
        return body.GetProperty("ticket").GetString()!;
    }

    private Uri WithTicket(string path, string ticket) => new($"ws://127.0.0.1:{gateway.Port}{path}?ticket={Uri.EscapeDataString(ticket)}");

    [Fact]
    public async Task A_ticket_opens_one_socket_as_its_user_and_a_replay_is_refused_with_1008()
    {
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        var taskId = await TaskRequests.CreateAsync(alice, TaskRequests.Body(5));
        await TaskRequests.WaitForEndAsync(alice, taskId);
        var ticket = await TicketAsync(alice);

        await using var first = await SocketClient.ConnectAsync(WithTicket($"/ws/task/{taskId}", ticket));
        var messages = await first.ReceiveUntilClosedAsync();
        await using var replay = await SocketClient.ConnectAsync(WithTicket($"/ws/task/{taskId}", ticket));
        var refused = await replay.ReceiveUntilClosedAsync();

        Assert.Equal(["connected", "complete"], messages.Select(MessageAssert.Type));
        Assert.Empty(refused);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, replay.CloseStatus);
        Assert.Equal("Authentication failed", replay.CloseReason);
    }

    [Fact]
    public async Task A_ticket_carries_its_users_rights_only()
    {
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        using var bob = gateway.CreateHttpClient(TestTokens.Bob);
        using var admin = gateway.CreateHttpClient(TestTokens.Admin);
        var alicesTask = await TaskRequests.CreateAsync(alice, TaskRequests.Body(5));
        await TaskRequests.WaitForEndAsync(alice, alicesTask);

        await using var asBob = await SocketClient.ConnectAsync(WithTicket($"/ws/task/{alicesTask}", await TicketAsync(bob)));
        await asBob.ReceiveUntilClosedAsync();
        await using var asAdmin = await SocketClient.ConnectAsync(WithTicket($"/ws/task/{alicesTask}", await TicketAsync(admin)));
        var adminMessages = await asAdmin.ReceiveUntilClosedAsync();

        Assert.Equal("Task not found", asBob.CloseReason);
        Assert.Equal("connected", MessageAssert.Type(adminMessages[0]));
    }

    [Fact]
    public async Task Unknown_and_malformed_tickets_close_with_1008_and_tickets_need_a_token()
    {
        using var anonymous = gateway.CreateHttpClient();
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        var taskId = await TaskRequests.CreateAsync(alice, TaskRequests.Body(1));

        using var withoutToken = await anonymous.PostAsync("/api/ws-tickets", null);
        await using var unknown = await SocketClient.ConnectAsync(WithTicket($"/ws/task/{taskId}", "bm90LWEtdGlja2V0"));
        await unknown.ReceiveUntilClosedAsync();
        await using var tooLong = await SocketClient.ConnectAsync(WithTicket($"/ws/task/{taskId}", new string('a', 500)));
        await tooLong.ReceiveUntilClosedAsync();

        Assert.Equal(HttpStatusCode.Unauthorized, withoutToken.StatusCode);
        Assert.Equal(("Authentication failed", "Authentication failed"), (unknown.CloseReason, tooLong.CloseReason));
    }

    [Fact]
    public async Task A_socket_opened_with_a_ticket_closes_when_the_token_it_came_from_expires()
    {
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);

        // A task that waits an hour: nothing but the token's expiry can end this socket.
        var waiting = TaskRequests.Body(1);
        waiting["run_at"] = DateTimeOffset.UtcNow.AddHours(1).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        var taskId = await TaskRequests.CreateAsync(alice, waiting);
        var shortLived = TestTokens.For("alice", expires: DateTime.UtcNow.AddSeconds(5));
        using var client = gateway.CreateHttpClient(shortLived);
        var ticket = await TicketAsync(client);

        await using var socket = await SocketClient.ConnectAsync(WithTicket($"/ws/task/{taskId}", ticket));
        var messages = await socket.ReceiveUntilClosedAsync(TimeSpan.FromSeconds(60));
        await alice.PostAsync($"/api/tasks/{taskId}/cancel", null);

        Assert.Equal("connected", MessageAssert.Type(messages[0]));
        Assert.DoesNotContain(messages, m => MessageAssert.Type(m) is "complete" or "cancelled");
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, socket.CloseStatus);
        Assert.Equal("Authentication failed", socket.CloseReason);
    }
}
