using System.Threading.RateLimiting;

namespace OrleansTasks.Gateway.WebSockets;

/// <summary>
/// At most <see cref="SocketLimits.MaxClientMessagesPerSecond"/> client messages a second on each
/// socket: a sliding one-second window per socket, in one partitioned limiter whose single timer
/// slides every socket's window (a limiter of their own would each run a timer).
/// </summary>
public sealed class ClientMessageLimiter : IDisposable
{
    private static readonly SlidingWindowRateLimiterOptions PerSocket = new()
    {
        PermitLimit = SocketLimits.MaxClientMessagesPerSecond,
        Window = TimeSpan.FromSeconds(1),
        SegmentsPerWindow = 10,
        QueueLimit = 0,
    };

    private readonly PartitionedRateLimiter<long> _limiter =
        PartitionedRateLimiter.Create<long, long>(socket => RateLimitPartition.GetSlidingWindowLimiter(socket, _ => PerSocket));

    private long _lastSocket;

    /// <summary>A key for a new socket. A number, not the socket, so that a closed socket's window holds nothing alive until it is removed as idle.</summary>
    public long NewSocket() => Interlocked.Increment(ref _lastSocket);

    /// <summary>Records a message on <paramref name="socket"/>; false when it is one too many for the last second.</summary>
    public bool TryRecord(long socket)
    {
        using var lease = _limiter.AttemptAcquire(socket);
        return lease.IsAcquired;
    }

    public void Dispose() => _limiter.Dispose();
}
