using Microsoft.Extensions.Options;
using OrleansTasks.Gateway.Hosting;

namespace OrleansTasks.Gateway.WebSockets;

/// <summary>Caps open task WebSockets per user and in total; a refused connection is answered before the upgrade.</summary>
public sealed class ConnectionLimiter(IOptions<GatewayOptions> options)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, int> _perUser = new(StringComparer.Ordinal);
    private int _total;

    public enum Refusal
    {
        None,
        UserLimit,
        TotalLimit,
    }

    public Refusal TryAcquire(string? user, out IDisposable? lease)
    {
        var limits = options.Value;
        lock (_lock)
        {
            lease = null;
            if (_total >= limits.MaxConnections)
            {
                return Refusal.TotalLimit;
            }

            var key = user ?? "";
            _perUser.TryGetValue(key, out var count);
            if (user is not null && count >= limits.MaxConnectionsPerUser)
            {
                return Refusal.UserLimit;
            }

            _perUser[key] = count + 1;
            _total++;
            lease = new Lease(this, key);
            return Refusal.None;
        }
    }

    private void Release(string key)
    {
        lock (_lock)
        {
            _total--;
            if (--_perUser[key] == 0)
            {
                _perUser.Remove(key);
            }
        }
    }

    private sealed class Lease(ConnectionLimiter limiter, string key) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                limiter.Release(key);
            }
        }
    }
}
