namespace OrleansTasks.Hosting;

/// <summary>Whether this silo may take up stored work (see <see cref="SiloStanding"/>).</summary>
public interface ISiloStanding
{
    /// <summary>Reads the membership table; throws <see cref="SiloUnavailableException"/> if it calls this silo dead.</summary>
    Task EnsureMemberAsync(CancellationToken cancellationToken);
}
