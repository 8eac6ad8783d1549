using Microsoft.AspNetCore.Http.Features;

namespace OrleansTasks.Gateway.WebSockets;

/// <summary>
/// Hands socket endpoints an upgraded connection that notes pings and pongs. It must run before
/// the WebSocket middleware, which takes the upgrade feature as it finds it.
/// </summary>
public sealed class ObservedUpgrade(IHttpUpgradeFeature inner, PingTracker pings) : IHttpUpgradeFeature
{
    public bool IsUpgradableRequest => inner.IsUpgradableRequest;

    public async Task<Stream> UpgradeAsync() => new ObservedTransportStream(await inner.UpgradeAsync(), pings);

    public static IApplicationBuilder UseObservedUpgrades(IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            if (context.Request.Path.StartsWithSegments("/ws")
                && context.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true } upgrade)
            {
                var pings = new PingTracker(context.RequestServices.GetRequiredService<TimeProvider>());
                context.Features.Set<IHttpUpgradeFeature>(new ObservedUpgrade(upgrade, pings));
                context.Features.Set(pings);
            }

            return next(context);
        });
}
