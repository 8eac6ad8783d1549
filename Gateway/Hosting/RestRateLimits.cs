using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using OrleansTasks.Gateway.Auth;

namespace OrleansTasks.Gateway.Hosting;

/// <summary>
/// REST rate limits with the ASP.NET Core rate limiter: a token bucket per signed-in user, and a
/// fixed window per client address for requests without a token. Refusals are 429 problem
/// details with <c>Retry-After</c>. WebSockets have their own limits (connections and messages).
/// </summary>
public static class RestRateLimits
{
    public static IServiceCollection AddRestRateLimits(this IServiceCollection services)
    {
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<GatewayOptions>>((limiter, gateway) =>
        {
            var limits = gateway.Value;
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            {
                if (!context.Request.Path.StartsWithSegments("/api", StringComparison.Ordinal))
                {
                    return RateLimitPartition.GetNoLimiter("unlimited");
                }

                if (context.User.Identity?.IsAuthenticated == true)
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
            limiter.OnRejected = async (rejected, cancellationToken) =>
            {
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
                var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
                rejected.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                await Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests",
                    detail: $"Slow down: try again in {seconds} s.").ExecuteAsync(rejected.HttpContext);
            };
        });
        return services;
    }
}
