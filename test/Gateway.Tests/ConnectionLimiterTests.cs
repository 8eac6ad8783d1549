using Microsoft.Extensions.Options;
using OrleansTasks.Gateway.Hosting;
using OrleansTasks.Gateway.WebSockets;

namespace OrleansTasks.Gateway.Tests;

public sealed class ConnectionLimiterTests
{
    private static ConnectionLimiter Limiter(int perUser, int total) =>
        new(Options.Create(new GatewayOptions { MaxConnectionsPerUser = perUser, MaxConnections = total }));

    private static IDisposable Acquire(ConnectionLimiter limiter, string? user)
    {
        Assert.Equal(ConnectionLimiter.Refusal.None, limiter.TryAcquire(user, out var lease));
        return lease!;
    }

    [Fact]
    public void Each_user_has_a_cap_of_their_own()
    {
        using var limiter = Limiter(perUser: 2, total: 100);
        Acquire(limiter, "alice");
        Acquire(limiter, "alice");

        Assert.Equal(ConnectionLimiter.Refusal.UserLimit, limiter.TryAcquire("alice", out var refused));
        Assert.Null(refused);
        Acquire(limiter, "bob");
        Acquire(limiter, "bob");
    }

    [Fact]
    public void A_closed_socket_gives_its_places_back_once_however_often_it_is_disposed()
    {
        using var limiter = Limiter(perUser: 1, total: 2);
        var first = Acquire(limiter, "alice");
        first.Dispose();
        first.Dispose();

        Acquire(limiter, "alice");
        Acquire(limiter, "bob");
        Assert.Equal(ConnectionLimiter.Refusal.TotalLimit, limiter.TryAcquire("carol", out _));
    }

    [Fact]
    public void A_full_gateway_says_so_before_the_users_cap_and_a_refusal_holds_no_place()
    {
        using var limiter = Limiter(perUser: 1, total: 2);
        Acquire(limiter, "alice");
        Assert.Equal(ConnectionLimiter.Refusal.UserLimit, limiter.TryAcquire("alice", out _));
        Acquire(limiter, "bob");

        Assert.Equal(ConnectionLimiter.Refusal.TotalLimit, limiter.TryAcquire("alice", out _));
        Assert.Equal(ConnectionLimiter.Refusal.TotalLimit, limiter.TryAcquire("carol", out _));
    }

    [Fact]
    public void Sockets_without_credentials_count_toward_the_total_only()
    {
        using var limiter = Limiter(perUser: 1, total: 3);
        Acquire(limiter, null);
        Acquire(limiter, null);
        Acquire(limiter, "alice");

        Assert.Equal(ConnectionLimiter.Refusal.TotalLimit, limiter.TryAcquire(null, out _));
    }
}
