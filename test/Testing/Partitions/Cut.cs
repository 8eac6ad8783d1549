using System.Net;
using System.Text;

namespace OrleansTasks.Testing.Partitions;

/// <summary>
/// Traffic a network namespace stops exchanging with one peer, both ways: everything
/// (<see cref="PeerPort"/> and <see cref="OwnPort"/> both null), or only the connections it makes to
/// the peer's <see cref="PeerPort"/>, or only those the peer makes to its own <see cref="OwnPort"/>.
/// Packets are dropped, not refused, as when a link or a switch fails: the ends learn of it only by
/// their timeouts. Each rule counts what it drops (<see cref="DroppedPackets"/>), so that a round can
/// show its cut took effect.
/// </summary>
public sealed record Cut(IPAddress Peer, int? PeerPort = null, int? OwnPort = null)
{
    /// <summary>The name of the nftables table that holds a namespace's cuts; deleting it heals them all.</summary>
    public const string Table = "orleanstasks_partition";

    /// <summary>The chain of <see cref="Table"/> that drops what the peers send.</summary>
    public const string IncomingChain = "incoming";

    /// <summary>The chain of <see cref="Table"/> that drops what the namespace sends them.</summary>
    public const string OutgoingChain = "outgoing";

    /// <summary>An nftables script (for <c>nft -f -</c>) that drops, in and out, the traffic of every cut, counting it.</summary>
    public static string Script(IEnumerable<Cut> cuts)
    {
        var incoming = new StringBuilder();
        var outgoing = new StringBuilder();
        foreach (var cut in cuts)
        {
            var (inPorts, outPorts) = (cut.PeerPort, cut.OwnPort) switch
            {
                (int peer, _) => ($" tcp sport {peer}", $" tcp dport {peer}"),
                (_, int own) => ($" tcp dport {own}", $" tcp sport {own}"),
                _ => ("", ""),
            };
            incoming.Append(System.Globalization.CultureInfo.InvariantCulture, $"    ip saddr {cut.Peer}{inPorts} counter drop\n");
            outgoing.Append(System.Globalization.CultureInfo.InvariantCulture, $"    ip daddr {cut.Peer}{outPorts} counter drop\n");
        }

        return $$"""
            table inet {{Table}} {
              chain {{IncomingChain}} {
                type filter hook input priority 0; policy accept;
            {{incoming}}  }
              chain {{OutgoingChain}} {
                type filter hook output priority 0; policy accept;
            {{outgoing}}  }
            }

            """;
    }
}
