using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace OrleansTasks.Testing.ClusterFaults;

/// <summary>
/// Socket tickets issued by a gateway and redeemed on it while the silos holding them read other
/// clocks: each ticket is drawn over REST, the silo holding it is looked up, and a socket is opened
/// with it at once (must be accepted), again (must be refused: one redemption) and, for some,
/// only after its lifetime (must be refused).
/// </summary>
public static class TicketRedemptions
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Draws <paramref name="count"/> tickets, redeeming each at once and then again, and more (up to five
    /// times as many) until at least two are held by <paramref name="silo"/>: placement avoids a busy silo,
    /// and a round once drew twelve without one there. Then draws half as many and redeems each only
    /// after the lifetime. Returns each ticket's silo and what happened.
    /// </summary>
    public static async Task<List<TicketRedemption>> RunAsync(RunningCluster cluster, IClusterClient client, Guid endedTaskId, int count, SiloAddress silo)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        using var http = new HttpClient { BaseAddress = cluster.GatewayAddress, Timeout = TimeSpan.FromMinutes(1) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", TestTokens.Alice);
        var redemptions = new List<TicketRedemption>();
        for (var i = 0; i < count || (redemptions.Count(r => silo.Equals(r.Silo)) < 2 && i < count * 5); i++)
        {
            var (ticket, holder) = await DrawAsync(http, client);
            var first = await OpensAsync(cluster, endedTaskId, ticket);
            var again = await OpensAsync(cluster, endedTaskId, ticket);
            redemptions.Add(new TicketRedemption(holder, first, again, LateAccepted: null));
        }

        var late = new List<(string Ticket, SiloAddress? Silo)>();
        for (var i = 0; i < Math.Max(1, count / 2); i++)
        {
            late.Add(await DrawAsync(http, client));
        }

        // The behaviour under test is the lifetime itself: nothing to await but its passing.
        await Task.Delay(Lifetime + TimeSpan.FromSeconds(2));
        foreach (var (ticket, holder) in late)
        {
            redemptions.Add(new TicketRedemption(holder, FirstAccepted: null, AgainAccepted: null, await OpensAsync(cluster, endedTaskId, ticket)));
        }

        return redemptions;
    }

    private static async Task<(string Ticket, SiloAddress? Silo)> DrawAsync(HttpClient http, IClusterClient client)
    {
        using var response = await http.PostAsync(new Uri("/api/ws-tickets", UriKind.Relative), null);
        response.EnsureSuccessStatusCode();
        var ticket = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("ticket").GetString()!;
        var grain = client.GetGrain<ISocketTicketGrain>(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ticket))));
        return (ticket, await GrainPlacement.HostOfAsync(client, grain));
    }

    /// <summary>True when a socket opened with the ticket gets its snapshot, false when it is closed with 1008.</summary>
    private static async Task<bool> OpensAsync(RunningCluster cluster, Guid taskId, string ticket)
    {
        var address = new Uri($"ws://127.0.0.1:{cluster.GatewayPort}/ws/task/{taskId}?ticket={Uri.EscapeDataString(ticket)}");
        await using var socket = await SocketClient.ConnectAsync(address);
        var first = await socket.ReceiveAsync(TimeSpan.FromSeconds(30));
        if (first is { } message)
        {
            return message.GetProperty("type").GetString() == "connected";
        }

        return socket.CloseStatus == System.Net.WebSockets.WebSocketCloseStatus.PolicyViolation
            ? false
            : throw new InvalidOperationException($"a socket opened with a ticket closed with {socket.CloseStatus} {socket.CloseReason} before any message");
    }
}

/// <summary>
/// One ticket: the silo that held it, whether a socket opened with it at once was accepted, whether
/// a second one was, and (for a ticket used only after its lifetime) whether that one was; null: not tried.
/// </summary>
public sealed record TicketRedemption(SiloAddress? Silo, bool? FirstAccepted, bool? AgainAccepted, bool? LateAccepted);
