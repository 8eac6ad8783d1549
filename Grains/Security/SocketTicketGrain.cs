namespace OrleansTasks.Security;

/// <summary>
/// One WebSocket ticket; see <see cref="ISocketTicketGrain"/>. Kept in memory only: a ticket lives
/// for seconds, and one lost with its silo is simply refused, after which the client asks for another.
/// </summary>
[GrainType("socket-ticket")]
public sealed class SocketTicketGrain(TimeProvider time) : Grain, ISocketTicketGrain
{
    private TicketHolder? _holder;
    private DateTimeOffset _expiresAt;
    private bool _issued;

    public Task<bool> Issue(TicketHolder holder, DateTimeOffset expiresAt)
    {
        ArgumentNullException.ThrowIfNull(holder);
        if (_issued)
        {
            return Task.FromResult(false);
        }

        _issued = true;
        _holder = holder;
        _expiresAt = expiresAt;
        DelayDeactivation(expiresAt - time.GetUtcNow() + TimeSpan.FromSeconds(5));
        return Task.FromResult(true);
    }

    public Task<TicketHolder?> Redeem()
    {
        var holder = _holder;
        _holder = null;
        if (holder is null || time.GetUtcNow() > _expiresAt)
        {
            return Task.FromResult<TicketHolder?>(null);
        }

        return Task.FromResult<TicketHolder?>(holder);
    }
}
