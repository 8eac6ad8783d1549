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
        options.DeathVoteExpirationTimeout = TimeSpan.FromSeconds(30);

        // After every silo died at once (kill -9, a power cut) their rows stay Active. A silo started on
        // a new address joins only once it reached every Active silo, and while joining it probes (and
        // may vote out) only those whose heartbeat row is stale, older than these two times each other:
        // Orleans' 30 s × 3 held a restarted cluster 90 s behind its dead silos; here 10 s. (A silo on
        // its predecessor's address and port declares it dead at once.) The cost: a heartbeat write a
        // silo every 5 s, and a looser quorum while heartbeats lag: the votes that evict a silo missing
        // probes are two or half (rounded up) the silos with a fresh heartbeat, whichever is fewer, so with heartbeat
        // writes held up over 10 s (database slow or just back; failed ones are retried up to 64 s apart)
        // one silo's vote can be enough. Nothing here evicts a silo that answers its probes.
        options.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5);
        options.NumMissedTableIAmAliveLimit = 2;
    }
}
