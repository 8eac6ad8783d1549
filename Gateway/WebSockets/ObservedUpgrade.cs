using Microsoft.AspNetCore.Http.Features;

namespace OrleansTasks.Gateway.WebSockets;

/// <summary>
/// Hands socket endpoints an upgraded connection that notes pings and pongs and can send a
/// <see cref="ReadProbe"/>. It must run before the WebSocket middleware, which takes the upgrade
/// feature as it finds it.
/// </summary>
public sealed class ObservedUpgrade(IHttpUpgradeFeature inner, ReadProbe probe) : IHttpUpgradeFeature
{
    public bool IsUpgradableRequest => inner.IsUpgradableRequest;

    public async Task<Stream> UpgradeAsync()
    {
        var transport = new ObservedTransportStream(await inner.UpgradeAsync(), probe.Pings);
        probe.Attach(transport);
        return transport;
    }

    public static IApplicationBuilder UseObservedUpgrades(IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            if (context.Request.Path.StartsWithSegments("/ws")
                && context.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true } upgrade)
            {
                var time = context.RequestServices.GetRequiredService<TimeProvider>();
                var probe = new ReadProbe(new PingTracker(time), time);
                context.Features.Set<IHttpUpgradeFeature>(new ObservedUpgrade(upgrade, probe));
                context.Features.Set(probe);
            }

            return next(context);
        });
}
