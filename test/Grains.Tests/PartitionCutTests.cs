using System.Net;
using OrleansTasks.Testing.Partitions;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// The nftables script a partition round cuts a namespace with, and the reading of what it
/// dropped: every rule counts, and a listing that cannot show a drop is refused rather than read as
/// none. Applied to a real namespace by <c>NetworkPartitionTests</c> (root and nftables).
/// </summary>
public sealed class PartitionCutTests
{
    private static readonly IPAddress Peer = IPAddress.Parse("10.1.2.10");
    private static readonly IPAddress Host = IPAddress.Parse("10.1.2.1");

    [Fact]
    public void Every_cut_drops_and_counts_its_traffic_both_ways()
    {
        var script = Cut.Script([new Cut(Peer), new Cut(Host, PeerPort: 5432), new Cut(Host, OwnPort: 30000)]);

        Assert.Equal(
            """
            table inet orleanstasks_partition {
              chain incoming {
                type filter hook input priority 0; policy accept;
                ip saddr 10.1.2.10 counter drop
                ip saddr 10.1.2.1 tcp sport 5432 counter drop
                ip saddr 10.1.2.1 tcp dport 30000 counter drop
              }
              chain outgoing {
                type filter hook output priority 0; policy accept;
                ip daddr 10.1.2.10 counter drop
                ip daddr 10.1.2.1 tcp dport 5432 counter drop
                ip daddr 10.1.2.1 tcp sport 30000 counter drop
              }
            }

            """,
            script);
    }

    [Fact]
    public void The_packets_dropped_are_read_per_chain_from_the_listing()
    {
        // As nft 1.0.6 lists a table cut from a peer and from another's port.
        const string listing = "table inet orleanstasks_partition {\n" +
            "\tchain incoming {\n" +
            "\t\ttype filter hook input priority filter; policy accept;\n" +
            "\t\tip saddr 10.1.2.10 counter packets 12 bytes 720 drop\n" +
            "\t\tip saddr 10.1.2.1 tcp sport 5432 counter packets 3 bytes 180 drop\n" +
            "\t}\n\n" +
            "\tchain outgoing {\n" +
            "\t\ttype filter hook output priority filter; policy accept;\n" +
            "\t\tip daddr 10.1.2.10 counter packets 40 bytes 2400 drop\n" +
            "\t\tip daddr 10.1.2.1 tcp dport 5432 counter packets 0 bytes 0 drop\n" +
            "\t}\n" +
            "}\n";

        var dropped = DroppedPackets.Parse(listing);

        Assert.Equal(new DroppedPackets(15, 40), dropped);
        Assert.Equal(55, dropped.Total);
        Assert.Equal("55 packets (15 in, 40 out)", dropped.ToString());
    }

    [Fact]
    public void A_cut_that_dropped_nothing_reads_as_none()
    {
        var dropped = DroppedPackets.Parse(Listing("ip saddr 10.1.2.10 counter packets 0 bytes 0 drop"));

        Assert.Equal(0, dropped.Total);
    }

    [Theory]
    [InlineData("ip saddr 10.1.2.10 drop")]
    [InlineData("type filter hook input priority filter; policy accept;")]
    public void A_listing_that_cannot_show_a_drop_is_refused(string rule)
    {
        Assert.Throws<FormatException>(() => DroppedPackets.Parse(Listing(rule)));
    }

    [Fact]
    public void A_drop_rule_outside_the_cut_chains_is_refused()
    {
        var listing = Listing("ip saddr 10.1.2.10 counter packets 4 bytes 240 drop").Replace("chain incoming", "chain forward", StringComparison.Ordinal);

        Assert.Throws<FormatException>(() => DroppedPackets.Parse(listing));
    }

    private static string Listing(string incomingRule) =>
        $"table inet orleanstasks_partition {{\n\tchain incoming {{\n\t\t{incomingRule}\n\t}}\n}}\n";
}
