using OrleansTasks.Feeds;
using OrleansTasks.Gateway.Auth;

namespace OrleansTasks.Gateway.WebSockets;

/// <summary>
/// <c>/ws/task/{task_id}</c>, <c>/ws/batch/{batch_id}</c> and <c>/ws/tasks</c>: checks that must
/// refuse the upgrade come first; the rest close the socket with a documented code.
/// </summary>
public static class FeedSocketEndpoint
{
    public const string TaskRoute = "/ws/task/{id}";
    public const string BatchRoute = "/ws/batch/{id}";
    public const string OwnerRoute = "/ws/tasks";

    public static IEndpointRouteBuilder MapFeedSockets(this IEndpointRouteBuilder app)
    {
        app.Map(TaskRoute, (HttpContext context, string id, FeedRegistry<IndexTaskSnapshot> feeds, IFeedKind<IndexTaskSnapshot> kind) =>
            HandleAsync(context, id, new EntitySocketFeed<IndexTaskSnapshot>(feeds, kind))).AllowAnonymous().ExcludeFromDescription();
        app.Map(BatchRoute, (HttpContext context, string id, FeedRegistry<BatchSnapshot> feeds, IFeedKind<BatchSnapshot> kind) =>
            HandleAsync(context, id, new EntitySocketFeed<BatchSnapshot>(feeds, kind))).AllowAnonymous().ExcludeFromDescription();
        app.Map(OwnerRoute, (HttpContext context, string? scope, OwnerSocketFeed feed) =>
            HandleAsync(context, scope ?? OwnerSocketFeed.OwnScope, feed)).AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    private static async Task HandleAsync<T>(HttpContext context, string id, ISocketFeed<T> feed)
        where T : class, IFeedSnapshot
    {
        var services = context.RequestServices;
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await Refuse(context, StatusCodes.Status400BadRequest, "WebSocket expected",
                "This endpoint takes WebSocket upgrades only: connect with ws:// and ?token=.");
            return;
        }

        if (!services.GetRequiredService<OriginPolicy>().IsAllowed(context.Request))
        {
            await Refuse(context, StatusCodes.Status403Forbidden, "Origin not allowed",
                "This page's origin may not open sockets on this gateway (see Gateway:AllowedOrigins).");
            return;
        }

        if (context.User.Identity?.IsAuthenticated != true && context.Request.Query.TryGetValue("ticket", out var ticket)
            && await services.GetRequiredService<SocketTickets>().RedeemAsync(ticket.ToString()) is { } ticketHolder)
        {
            context.User = ticketHolder;
        }

        var userId = context.User.Identity?.IsAuthenticated == true ? context.User.Subject() : null;
        switch (services.GetRequiredService<ConnectionLimiter>().TryAcquire(userId, out var lease))
        {
            case ConnectionLimiter.Refusal.UserLimit:
                await Refuse(context, StatusCodes.Status429TooManyRequests, "Too many connections",
                    "You have too many open sockets; close some and try again.");
                return;
            case ConnectionLimiter.Refusal.TotalLimit:
                await Refuse(context, StatusCodes.Status503ServiceUnavailable, "Gateway full",
                    "The gateway holds as many sockets as it may; try again shortly or use another gateway.");
                return;
        }

        using (lease)
        {
            var socketServices = services.GetRequiredService<SocketServices>();
            using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
            {
                KeepAliveInterval = socketServices.KeepAliveInterval,
                KeepAliveTimeout = SocketLimits.KeepAliveTimeout,
            });
            var metrics = services.GetRequiredService<GatewayMetrics>();
            metrics.ConnectionOpened();
            try
            {
                await new FeedSocketSession<T>(socket, new SocketRequest(id, context.User, socketServices), feed, context.Features.Get<ReadProbe>()).RunAsync();
            }
            finally
            {
                metrics.ConnectionClosed();
            }
        }
    }

    private static Task Refuse(HttpContext context, int status, string title, string detail) =>
        Results.Problem(statusCode: status, title: title, detail: detail).ExecuteAsync(context);
}
