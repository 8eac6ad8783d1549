using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using OrleansTasks.Gateway.Auth;

namespace OrleansTasks.Gateway.Hosting;

/// <summary>
/// The REST limiter's partitions (<see cref="RestRateLimits"/>), owned by the container so that its
/// replenishment timer stops with the host.
/// </summary>
internal sealed class RestLimiter(IOptions<GatewayOptions> options) : IDisposable
{
    public PartitionedRateLimiter<HttpContext> Limiter { get; } = Create(options.Value);

    public void Dispose() => Limiter.Dispose();

    /// <summary>Which limit a request counts against: its user's when signed in, its client address's otherwise.</summary>
    public static string LimitOf(HttpContext context) => context.User.Identity?.IsAuthenticated == true ? "user" : "address";

    private static PartitionedRateLimiter<HttpContext> Create(GatewayOptions limits) =>
        PartitionedRateLimiter.Create<HttpContext, string>(context =>
        {
            if (LimitOf(context) == "user")
            {
                return RateLimitPartition.GetTokenBucketLimiter("user:" + context.User.Subject(), _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = limits.RequestBurst,
                    TokensPerPeriod = limits.RequestsPerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                });
            }

            return RateLimitPartition.GetFixedWindowLimiter("address:" + context.Connection.RemoteIpAddress, _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = limits.AnonymousRequestsPerMinute,
                Window = TimeSpan.FromMinutes(1),
                QueueLimit = 0,
            });
        });
}
