using System.Globalization;
using System.Text.RegularExpressions;

namespace OrleansTasks.Testing.Partitions;

/// <summary>
/// The packets a namespace's cuts dropped, as its rules counted them: those its peers sent
/// (<see cref="Incoming"/>) and those it sent them (<see cref="Outgoing"/>). A cut that dropped
/// nothing cut nothing, and a round under it proved nothing.
/// </summary>
public sealed partial record DroppedPackets(long Incoming, long Outgoing)
{
    public long Total => Incoming + Outgoing;

    /// <summary>
    /// Reads the counters of <c>nft list table inet</c> <see cref="Cut.Table"/>; throws a
    /// <see cref="FormatException"/> for a listing with no drop rule, a drop rule without a counter
    /// or one outside the two chains <see cref="Cut.Script"/> writes: a reading that could not show a
    /// packet dropped must not pass for one that shows none.
    /// </summary>
    public static DroppedPackets Parse(string listing)
    {
        ArgumentNullException.ThrowIfNull(listing);
        string? chain = null;
        var (incoming, outgoing, rules) = (0L, 0L, 0);
        foreach (var line in listing.Split('\n').Select(line => line.Trim()))
        {
            if (ChainLine().Match(line) is { Success: true } opened)
            {
                chain = opened.Groups["name"].Value;
                continue;
            }

            if (!line.EndsWith(" drop", StringComparison.Ordinal))
            {
                continue;
            }

            var counter = CounterLine().Match(line);
            if (!counter.Success)
            {
                throw new FormatException($"a drop rule without a counter: '{line}'");
            }

            var packets = long.Parse(counter.Groups["packets"].Value, CultureInfo.InvariantCulture);
            rules++;
            switch (chain)
            {
                case Cut.IncomingChain:
                    incoming += packets;
                    break;
                case Cut.OutgoingChain:
                    outgoing += packets;
                    break;
                default:
                    throw new FormatException($"a drop rule in chain '{chain}', not '{Cut.IncomingChain}' or '{Cut.OutgoingChain}': '{line}'");
            }
        }

        return rules > 0 ? new DroppedPackets(incoming, outgoing) : throw new FormatException($"no drop rule in the listing:\n{listing}");
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Total} packets ({Incoming} in, {Outgoing} out)");

    [GeneratedRegex(@"^chain (?<name>\S+) \{$")]
    private static partial Regex ChainLine();

    [GeneratedRegex(@"\bcounter packets (?<packets>\d+) bytes \d+ drop$")]
    private static partial Regex CounterLine();
}
