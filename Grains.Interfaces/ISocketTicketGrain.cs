namespace OrleansTasks;

/// <summary>
/// A single-use WebSocket ticket, keyed by the SHA-256 of the ticket (hex), so the ticket itself
/// never becomes a grain id that could appear in a log. Issued for one user, redeemable once
/// within its lifetime, from any gateway of the cluster. Version 1 added
/// <see cref="IssueFor(TicketHolder, TimeSpan)"/>: the lifetime is measured by the silo holding the
/// ticket alone, so that no two clocks are compared.
/// </summary>
[Alias("OrleansTasks.ISocketTicketGrain"), Orleans.CodeGeneration.Version(1)]
public interface ISocketTicketGrain : IGrainWithStringKey
{
    /// <summary>Holds <paramref name="holder"/> for redemption until <paramref name="expiresAt"/> on this silo's clock; false if this ticket was issued before.</summary>
    [Alias("Issue")]
    Task<bool> Issue(TicketHolder holder, DateTimeOffset expiresAt);

    /// <summary>Holds <paramref name="holder"/> for redemption for <paramref name="lifetime"/> from now; false if this ticket was issued before.</summary>
    [Alias("IssueFor")]
    Task<bool> IssueFor(TicketHolder holder, TimeSpan lifetime);

    /// <summary>The holder, the first time only and before expiry; null otherwise.</summary>
    [Alias("Redeem")]
    Task<TicketHolder?> Redeem();
}
