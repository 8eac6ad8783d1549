namespace OrleansTasks;

/// <summary>
/// A single-use WebSocket ticket, keyed by the SHA-256 of the ticket (hex), so the ticket itself
/// never becomes a grain id that could appear in a log. Issued for one user, redeemable once
/// within its lifetime, from any gateway of the cluster.
/// </summary>
[Alias("OrleansTasks.ISocketTicketGrain")]
public interface ISocketTicketGrain : IGrainWithStringKey
{
    /// <summary>Holds <paramref name="holder"/> for redemption until <paramref name="expiresAt"/>; false if this ticket was issued before.</summary>
    [Alias("Issue")]
    Task<bool> Issue(TicketHolder holder, DateTimeOffset expiresAt);

    /// <summary>The holder, the first time only and before expiry; null otherwise.</summary>
    [Alias("Redeem")]
    Task<TicketHolder?> Redeem();
}
