using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using OrleansTasks.Gateway.Hosting;

namespace OrleansTasks.Gateway.WebSockets;

/// <summary>
/// Caps open task WebSockets per user and in total; a refused connection is answered before the
/// upgrade. The total is one concurrency limiter; users have one each, partitioned by subject
/// (anonymous sockets count toward the total only). The total is asked first, so a full gateway
/// answers <see cref="Refusal.TotalLimit"/> whoever asks.
/// </summary>
public sealed class ConnectionLimiter : IDisposable
{
    private readonly ConcurrencyLimiter _total;
    private readonly PartitionedRateLimiter<string?> _perUser;

    public ConnectionLimiter(IOptions<GatewayOptions> options)
    {
        var limits = options.Value;
        _total = new ConcurrencyLimiter(new ConcurrencyLimiterOptions { PermitLimit = limits.MaxConnections, QueueLimit = 0 });
        _perUser = PartitionedRateLimiter.Create<string?, string>(user => user is null
            ? RateLimitPartition.GetNoLimiter("")
            : RateLimitPartition.GetConcurrencyLimiter(user, _ => new ConcurrencyLimiterOptions { PermitLimit = limits.MaxConnectionsPerUser, QueueLimit = 0 }));
    }

    public enum Refusal
    {
        None,
        UserLimit,
        TotalLimit,
    }

    /// <param name="user">The signed-in user's subject; null for a socket without credentials.</param>
    public Refusal TryAcquire(string? user, out IDisposable? lease)
    {
        lease = null;
        var total = _total.AttemptAcquire();
        if (!total.IsAcquired)
        {
            total.Dispose();
            return Refusal.TotalLimit;
        }

        var own = _perUser.AttemptAcquire(user);
        if (!own.IsAcquired)
        {
            own.Dispose();
            total.Dispose();
            return Refusal.UserLimit;
        }

        lease = new Leases(total, own);
        return Refusal.None;
    }

    public void Dispose()
    {
        _perUser.Dispose();
        _total.Dispose();
    }

    private sealed class Leases(RateLimitLease total, RateLimitLease own) : IDisposable
    {
        public void Dispose()
        {
            own.Dispose();
            total.Dispose();
        }
    }
}
