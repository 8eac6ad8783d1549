namespace OrleansTasks.Hosting;

/// <summary>
/// Whether this silo is still a member of the cluster as the membership table says now, not as this
/// silo last read it. A silo paused past its declared death (a long GC pause, a stopped VM) wakes
/// believing it is alive, and until its next membership refresh it may activate grains whose work a
/// live silo has taken up: a grain about to take up stored work asks first, so that such an
/// activation writes nothing. Having read the table, Orleans stops the dead silo itself.
/// </summary>
public sealed class SiloStanding(IClusterMembershipService membership, ILocalSiloDetails silo) : ISiloStanding
{
    public async Task EnsureMemberAsync(CancellationToken cancellationToken)
    {
        // A read under way is joined, not repeated: one sent just before the silo stopped returns the table
        // as it was then. The second read starts after the first has returned, so after this call began.
        await membership.Refresh(default, cancellationToken);
        await membership.Refresh(default, cancellationToken);
        if (membership.CurrentSnapshot.GetSiloStatus(silo.SiloAddress) == SiloStatus.Dead)
        {
            throw new SiloUnavailableException($"Silo {silo.SiloAddress} was declared dead while it did not answer; it takes up no work and is stopping.");
        }
    }
}
