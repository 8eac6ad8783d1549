using System.Globalization;
using System.Threading.RateLimiting;
using OrleansTasks.Gateway.WebSockets;

namespace OrleansTasks.Gateway.Hosting;

/// <summary>
/// REST rate limits with System.Threading.RateLimiting: a token bucket per signed-in user, and a
/// fixed window per client address for requests without a token (<see cref="RestLimiter"/>), on
/// <c>/api</c> only. Refusals are 429 problem details with <c>Retry-After</c>, counted by
/// <see cref="GatewayMetrics.RequestLimited"/>. WebSockets have their own limits
/// (connections and messages). ASP.NET Core's <c>UseRateLimiter</c> is not used: its middleware
/// makes a limiter of its own that nothing disposes (dotnet/aspnetcore#66434), whose timer keeps
/// every stopped host reachable in a process that starts many.
/// </summary>
public static class RestRateLimits
{
    public static IServiceCollection AddRestRateLimits(this IServiceCollection services) =>
        services.AddSingleton<RestLimiter>();

    public static IApplicationBuilder UseRestRateLimits(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var limiter = app.ApplicationServices.GetRequiredService<RestLimiter>().Limiter;
        var metrics = app.ApplicationServices.GetRequiredService<GatewayMetrics>();
        return app.Use(async (context, next) =>
        {
            // Pages, static files and sockets (which hold a request for their lifetime) take no lease.
            // Routes match whatever the case, so the limit must too: "/API/auth/token" is the token endpoint.
            if (!context.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase))
            {
                await next(context);
                return;
            }

            using var lease = await limiter.AcquireAsync(context, 1, context.RequestAborted);
            if (lease.IsAcquired)
            {
                await next(context);
                return;
            }

            metrics.RequestLimited(RestLimiter.LimitOf(context));
            var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
            var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
            context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            await Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests",
                detail: $"Slow down: try again in {seconds} s.").ExecuteAsync(context);
        });
    }
}
