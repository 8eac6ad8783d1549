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

        // After every silo died at once (kill -9, a power cut) their rows stay Active. A silo started on a new
        // address joins only once it has reached every Active silo, and until then it probes, and may vote
        // out, only those suspected already or whose heartbeat row is stale: older than the publish period
        // times the misses. Orleans' 30 s × 3 held such a restart 90 s; 5 s × 4 holds it 20 s at most.
        // (A silo on its predecessor's address and port declares it dead at once.) A stale row also takes
        // its silo out of the quorum and out of indirect probing: eviction needs two votes or half (rounded
        // up) the silos whose rows are fresh, whichever is fewer. So while no heartbeat lands for 20 s (the
        // database down or slow, or a clock 20 s or more off its peers') one silo's missed probes can evict
        // a peer alone. Nothing here evicts a silo that answers its probes. The cost besides: a heartbeat
        // write a silo every 5 s.
        options.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5);
        options.NumMissedTableIAmAliveLimit = 4;
    }
}
