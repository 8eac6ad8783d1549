using System.Globalization;
using System.Net;

namespace OrleansTasks.Testing.Partitions;

/// <summary>One network namespace of a <see cref="PartitionNetwork"/> and its address there.</summary>
public sealed record NetworkMember(string Namespace, IPAddress Address)
{
    /// <summary>Drops, in this namespace, the traffic of every one of <paramref name="cuts"/>.</summary>
    public Task CutAsync(IEnumerable<Cut> cuts) =>
        NetworkCommands.RunAsync("ip", ["netns", "exec", Namespace, "nft", "-f", "-"], Cut.Script(cuts));

    /// <summary>The packets this namespace's cuts have dropped so far.</summary>
    public async Task<DroppedPackets> DroppedAsync() =>
        DroppedPackets.Parse(await NetworkCommands.RunAsync("ip", ["netns", "exec", Namespace, "nft", "list", "table", "inet", Cut.Table]));

    /// <summary>Lets all of this namespace's traffic through again.</summary>
    public Task HealAsync() => NetworkCommands.IpAsync("netns", "exec", Namespace, "nft", "delete", "table", "inet", Cut.Table);
}

/// <summary>
/// A small network the test builds for itself: a hub namespace holding a bridge, one namespace
/// per member joined to the bridge by a veth pair, and a veth pair from this process's own namespace
/// to the bridge (<see cref="HostAddress"/>), so that this process (a gateway, a proxy to
/// PostgreSQL) and the members reach each other, on a /24 of 10.0.0.0/8 no interface here uses.
/// Names carry a random id, so a leftover of a run that died never collides; disposing removes the
/// namespaces and links (a failed step of the build removes what it had made).
/// </summary>
public sealed class PartitionNetwork : IAsyncDisposable
{
    private readonly string _id = Guid.NewGuid().ToString("N")[..6];
    private readonly List<string> _namespaces = [];
    private readonly List<NetworkMember> _members = [];
    private readonly string _subnet;

    private PartitionNetwork(string subnet)
    {
        _subnet = subnet;
        HostAddress = IPAddress.Parse(subnet + ".1");
    }

    /// <summary>This process's address on the network.</summary>
    public IPAddress HostAddress { get; }

    public IReadOnlyList<NetworkMember> Members => _members;

    private string Hub => $"ot-{_id}-hub";

    private string HostLink => $"ot{_id}h";

    /// <summary>Builds the hub, this process's link and <paramref name="members"/> member namespaces.</summary>
    public static async Task<PartitionNetwork> CreateAsync(int members)
    {
        var network = new PartitionNetwork(UnusedSubnet());
        try
        {
            await network.BuildAsync(members);
            return network;
        }
        catch
        {
            await network.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        // A namespace's deletion destroys the veth ends in it, and with them their peers.
        foreach (var name in Enumerable.Reverse(_namespaces))
        {
            await Quietly(() => NetworkCommands.IpAsync("netns", "delete", name));
        }

        await Quietly(() => NetworkCommands.IpAsync("link", "delete", HostLink));
    }

    private async Task BuildAsync(int members)
    {
        await AddNamespaceAsync(Hub);
        await NetworkCommands.IpAsync("-n", Hub, "link", "add", "br0", "type", "bridge");
        await NetworkCommands.IpAsync("-n", Hub, "link", "set", "br0", "up");
        await LinkToHubAsync(HostLink, $"ot{_id}H", inNamespace: null);
        await NetworkCommands.IpAsync("addr", "add", $"{HostAddress}/24", "dev", HostLink);
        await NetworkCommands.IpAsync("link", "set", HostLink, "up");
        for (var i = 0; i < members; i++)
        {
            var member = new NetworkMember($"ot-{_id}-m{i}", IPAddress.Parse(string.Create(CultureInfo.InvariantCulture, $"{_subnet}.{10 + i}")));
            await AddNamespaceAsync(member.Namespace);
            var link = string.Create(CultureInfo.InvariantCulture, $"ot{_id}m{i}");
            await LinkToHubAsync(link, string.Create(CultureInfo.InvariantCulture, $"ot{_id}b{i}"), member.Namespace);
            await NetworkCommands.IpAsync("-n", member.Namespace, "addr", "add", $"{member.Address}/24", "dev", link);
            await NetworkCommands.IpAsync("-n", member.Namespace, "link", "set", link, "up");
            _members.Add(member);
        }
    }

    private async Task AddNamespaceAsync(string name)
    {
        await NetworkCommands.IpAsync("netns", "add", name);
        _namespaces.Add(name);
        await NetworkCommands.IpAsync("-n", name, "link", "set", "lo", "up");
    }

    /// <summary>A veth pair: <paramref name="link"/> in <paramref name="inNamespace"/> (null: this one), <paramref name="hubEnd"/> on the hub's bridge.</summary>
    private async Task LinkToHubAsync(string link, string hubEnd, string? inNamespace)
    {
        await NetworkCommands.IpAsync("link", "add", link, "type", "veth", "peer", "name", hubEnd);
        if (inNamespace is not null)
        {
            await NetworkCommands.IpAsync("link", "set", link, "netns", inNamespace);
        }

        await NetworkCommands.IpAsync("link", "set", hubEnd, "netns", Hub);
        await NetworkCommands.IpAsync("-n", Hub, "link", "set", hubEnd, "master", "br0");
        await NetworkCommands.IpAsync("-n", Hub, "link", "set", hubEnd, "up");
    }

    /// <summary>A 10.x.y prefix that no address of this host's interfaces starts with.</summary>
    private static string UnusedSubnet()
    {
        var used = string.Join('\n', System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
            .SelectMany(nic => nic.GetIPProperties().UnicastAddresses)
            .Select(address => address.Address.ToString()));
        while (true)
        {
            var subnet = string.Create(CultureInfo.InvariantCulture, $"10.{Random.Shared.Next(100, 250)}.{Random.Shared.Next(0, 256)}");
            if (!used.Contains(subnet + ".", StringComparison.Ordinal))
            {
                return subnet;
            }
        }
    }

    private static async Task Quietly(Func<Task> removal)
    {
        try
        {
            await removal();
        }
        catch (InvalidOperationException)
        {
            // already gone (or never made): nothing to remove
        }
    }
}
