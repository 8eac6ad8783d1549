namespace OrleansTasks.Security;

/// <summary>
/// One WebSocket ticket; see <see cref="ISocketTicketGrain"/>. Kept in memory only: a ticket lives
/// for seconds, and one lost with its silo is simply refused, after which the client asks for another.
/// Its lifetime runs on this silo's monotonic clock from the issue: the gateway that issued it and
/// the gateway that redeems it may read other wall clocks, and a silo's wall clock may run ahead or jump.
/// </summary>
[GrainType("socket-ticket")]
public sealed class SocketTicketGrain(TimeProvider time) : Grain, ISocketTicketGrain
{
    private TicketHolder? _holder;
    private long _issuedAt;
    private TimeSpan _lifetime;
    private bool _issued;

    /// <summary>From a gateway of an earlier release, which sends the end of the lifetime on its own clock.</summary>
    public Task<bool> Issue(TicketHolder holder, DateTimeOffset expiresAt) => IssueFor(holder, expiresAt - time.GetUtcNow());

    public Task<bool> IssueFor(TicketHolder holder, TimeSpan lifetime)
    {
        ArgumentNullException.ThrowIfNull(holder);
        if (_issued)
        {
            return Task.FromResult(false);
        }

        _issued = true;
        _holder = holder;
        _issuedAt = time.GetTimestamp();
        _lifetime = lifetime;
        DelayDeactivation((lifetime > TimeSpan.Zero ? lifetime : TimeSpan.Zero) + TimeSpan.FromSeconds(5));
        return Task.FromResult(true);
    }

    public Task<TicketHolder?> Redeem()
    {
        var holder = _holder;
        _holder = null;
        if (holder is null || time.GetElapsedTime(_issuedAt) > _lifetime)
        {
            return Task.FromResult<TicketHolder?>(null);
        }

        return Task.FromResult<TicketHolder?>(holder);
    }
}
