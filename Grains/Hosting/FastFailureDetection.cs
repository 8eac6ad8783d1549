using Orleans.Configuration;

namespace OrleansTasks.Hosting;

/// <summary>
/// Membership timings for silos on one LAN: a silo that stops answering is declared dead after
/// about two missed 2-second probes and a vote, instead of Orleans' more cautious defaults
/// (5-second probes, three misses). With the task lease this bounds how long a task waits
/// after its silo dies: detection (about 6–10 s) plus one lease period.
/// </summary>
public static class FastFailureDetection
{
    public static void Apply(ClusterMembershipOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ProbeTimeout = TimeSpan.FromSeconds(2);
        options.NumMissedProbesLimit = 2;
        options.NumVotesForDeathDeclaration = 2;
        options.TableRefreshTimeout = TimeSpan.FromSeconds(10);
        options.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(30);
        options.DeathVoteExpirationTimeout = TimeSpan.FromSeconds(30);
    }
}
