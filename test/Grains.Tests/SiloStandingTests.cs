using System.Collections.Immutable;
using System.Net;
using OrleansTasks.Hosting;

namespace OrleansTasks.Grains.Tests;

/// <summary>
/// A silo asks the membership table, not its own last reading of it, whether it is still a member
/// before a grain takes up stored work: woken past its declared death, it is refused, even when the
/// first read it gets is one sent before it stopped.
/// </summary>
public sealed class SiloStandingTests
{
    private static readonly SiloAddress Here = SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 11111), 1);

    [Fact]
    public async Task A_silo_the_table_now_calls_dead_takes_up_nothing_though_it_last_read_itself_alive()
    {
        // The first refresh joins a read sent before the silo stopped: it still says active.
        var membership = new TableMembership(SiloStatus.Active, SiloStatus.Active, SiloStatus.Dead);

        var refused = await Assert.ThrowsAsync<SiloUnavailableException>(() => new SiloStanding(membership, new Details()).EnsureMemberAsync(CancellationToken.None));

        Assert.Equal(2, membership.Refreshes);
        Assert.Contains("declared dead", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_silo_the_table_calls_active_goes_on()
    {
        var membership = new TableMembership(SiloStatus.Active, SiloStatus.Active, SiloStatus.Active);

        await new SiloStanding(membership, new Details()).EnsureMemberAsync(CancellationToken.None);

        Assert.Equal(2, membership.Refreshes);
    }

    /// <summary>Membership as this silo last read it; each refresh reads the next status given.</summary>
    private sealed class TableMembership(SiloStatus lastRead, params SiloStatus[] reads) : IClusterMembershipService
    {
        public int Refreshes { get; private set; }

        public ClusterMembershipSnapshot CurrentSnapshot { get; private set; } = Snapshot(lastRead, 1);

        public IAsyncEnumerable<ClusterMembershipSnapshot> MembershipUpdates => throw new NotSupportedException();

        public ValueTask Refresh(MembershipVersion minimumVersion = default, CancellationToken cancellationToken = default)
        {
            CurrentSnapshot = Snapshot(reads[Refreshes], Refreshes + 2);
            Refreshes++;
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
