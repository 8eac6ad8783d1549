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
    /// Draws <paramref name="count"/> tickets from the gateway (held wherever placement puts them) and
    /// issues <paramref name="onSilo"/> more held by <paramref name="silo"/> (see <see cref="IssueOnAsync"/>),
    /// redeeming each at once and then again. Then draws half as many, and issues one more on
    /// <paramref name="silo"/>, and redeems each only after the lifetime. Returns each ticket's silo and what happened.
    /// </summary>
    public static async Task<List<TicketRedemption>> RunAsync(RunningCluster cluster, IClusterClient client, Guid endedTaskId, int count, SiloAddress silo, int onSilo = 2)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        using var http = new HttpClient { BaseAddress = cluster.GatewayAddress, Timeout = TimeSpan.FromMinutes(1) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", TestTokens.Alice);
        var redemptions = new List<TicketRedemption>();
        for (var i = 0; i < count + onSilo; i++)
        {
            var (ticket, holder) = i < count ? await DrawAsync(http, client) : await IssueOnAsync(client, silo);
            var first = await OpensAsync(cluster, endedTaskId, ticket);
            var again = await OpensAsync(cluster, endedTaskId, ticket);
            redemptions.Add(new TicketRedemption(holder, first, again, LateAccepted: null));
        }

        var late = new List<(string Ticket, SiloAddress? Silo)>();
        for (var i = 0; i < Math.Max(1, count / 2); i++)
        {
            late.Add(await DrawAsync(http, client));
        }

        late.Add(await IssueOnAsync(client, silo));

        // The behaviour under test is the lifetime itself: nothing to await but its passing.
        await Task.Delay(Lifetime + TimeSpan.FromSeconds(2));
        foreach (var (ticket, holder) in late)
        {
            redemptions.Add(new TicketRedemption(holder, FirstAccepted: null, AgainAccepted: null, await OpensAsync(cluster, endedTaskId, ticket)));
        }

        return redemptions;
    }

    /// <summary>
    /// A ticket for alice held by <paramref name="silo"/>: drawn and issued as the gateway does
    /// (256 random bits; <see cref="ISocketTicketGrain.IssueFor"/> with the same lifetime), with the
    /// silo as the placement hint of the call that activates its grain; redeemed through the gateway.
    /// </summary>
    private static async Task<(string Ticket, SiloAddress? Silo)> IssueOnAsync(IClusterClient client, SiloAddress silo)
    {
        var ticket = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var grain = Grain(client, ticket);
        var issued = await GrainPlacement.ActivateOnAsync(client, grain, silo, () => grain.IssueFor(new TicketHolder("alice", [], null), Lifetime));
        return issued ? (ticket, silo) : throw new InvalidOperationException("A freshly drawn ticket was already issued.");
    }

    private static async Task<(string Ticket, SiloAddress? Silo)> DrawAsync(HttpClient http, IClusterClient client)
    {
        using var response = await http.PostAsync(new Uri("/api/ws-tickets", UriKind.Relative), null);
        response.EnsureSuccessStatusCode();
        var ticket = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("ticket").GetString()!;
        return (ticket, await GrainPlacement.HostOfAsync(client, Grain(client, ticket)));
    }

    private static ISocketTicketGrain Grain(IClusterClient client, string ticket) =>
        client.GetGrain<ISocketTicketGrain>(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ticket))));

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
