using System.Net.WebSockets;
using OrleansTasks.Gateway.Auth;

namespace OrleansTasks.Gateway.WebSockets;

/// <summary><c>/ws/task/{task_id}</c>: checks that must refuse the upgrade come first; the rest close the socket with a documented code.</summary>
public static class TaskSocketEndpoint
{
    public const string Route = "/ws/task/{taskId}";

    public static IEndpointRouteBuilder MapTaskSocket(this IEndpointRouteBuilder app)
    {
        app.Map(Route, HandleAsync).AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    private static async Task HandleAsync(
        HttpContext context, string taskId, OriginPolicy origins, ConnectionLimiter limiter, TaskSocketServices services, GatewayMetrics metrics)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            await Refuse(context, StatusCodes.Status400BadRequest, "WebSocket expected",
                "This endpoint takes WebSocket upgrades only: connect with ws:// and ?token=.");
            return;
        }

        if (!origins.IsAllowed(context.Request))
        {
            await Refuse(context, StatusCodes.Status403Forbidden, "Origin not allowed",
                "This page's origin may not open task sockets on this gateway (see Gateway:AllowedOrigins).");
            return;
        }

        var userId = context.User.Identity?.IsAuthenticated == true ? context.User.Subject() : null;
        switch (limiter.TryAcquire(userId, out var lease))
        {
            case ConnectionLimiter.Refusal.UserLimit:
                await Refuse(context, StatusCodes.Status429TooManyRequests, "Too many connections",
                    "You have too many open task sockets; close some and try again.");
                return;
            case ConnectionLimiter.Refusal.TotalLimit:
                await Refuse(context, StatusCodes.Status503ServiceUnavailable, "Gateway full",
                    "The gateway holds as many sockets as it may; try again shortly or use another gateway.");
                return;
        }

        using (lease)
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
            {
                KeepAliveInterval = SocketLimits.KeepAliveInterval,
                KeepAliveTimeout = SocketLimits.KeepAliveTimeout,
            });
            metrics.ConnectionOpened();
            try
            {
                await new TaskSocketSession(socket, taskId, context.User, services).RunAsync();
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
