using System.Collections.Immutable;
using System.Net;
using OrleansTasks.Hosting;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// A silo asks the membership table, not its own last reading of it, whether it is still a member
/// before a grain takes up stored work: woken past its declared death, it is refused.
/// </summary>
public sealed class SiloStandingTests
{
    private static readonly SiloAddress Here = SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 11111), 1);

    [Fact]
    public async Task A_silo_the_table_now_calls_dead_takes_up_nothing_though_it_last_read_itself_alive()
    {
        var membership = new TableMembership(SiloStatus.Active) { InTable = SiloStatus.Dead };

        var refused = await Assert.ThrowsAsync<SiloUnavailableException>(() => new SiloStanding(membership, new Details()).EnsureMemberAsync(CancellationToken.None));

        Assert.Equal(1, membership.Refreshes);
        Assert.Contains("declared dead", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_silo_the_table_calls_active_goes_on()
    {
        var membership = new TableMembership(SiloStatus.Active) { InTable = SiloStatus.Active };

        await new SiloStanding(membership, new Details()).EnsureMemberAsync(CancellationToken.None);

        Assert.Equal(1, membership.Refreshes);
    }

    /// <summary>Membership as this silo last read it, until a refresh reads <see cref="InTable"/>.</summary>
    private sealed class TableMembership(SiloStatus lastRead) : IClusterMembershipService
    {
        public SiloStatus InTable { get; init; }

        public int Refreshes { get; private set; }

        public ClusterMembershipSnapshot CurrentSnapshot { get; private set; } = Snapshot(lastRead, 1);

        public IAsyncEnumerable<ClusterMembershipSnapshot> MembershipUpdates => throw new NotSupportedException();

        public ValueTask Refresh(MembershipVersion minimumVersion = default, CancellationToken cancellationToken = default)
        {
            Refreshes++;
            CurrentSnapshot = Snapshot(InTable, 2);
            return ValueTask.CompletedTask;
        }

        public Task<bool> TryKill(SiloAddress siloAddress) => throw new NotSupportedException();

        private static ClusterMembershipSnapshot Snapshot(SiloStatus status, long version) =>
            new(ImmutableDictionary<SiloAddress, ClusterMember>.Empty.Add(Here, new ClusterMember(Here, status, "here")), new MembershipVersion(version));
    }

    private sealed class Details : ILocalSiloDetails
    {
        public string Name => "here";

        public string ClusterId => "test";

        public string DnsHostName => "localhost";

        public SiloAddress SiloAddress => Here;

        public SiloAddress GatewayAddress => Here;
    }
}
