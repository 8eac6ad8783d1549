using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using OrleansTasks.Gateway.WebSockets;

namespace OrleansTasks.Benchmarks.Servers;

/// <summary>
/// What a .NET team would otherwise pick: an ASP.NET Core SignalR hub (JSON protocol over
/// WebSockets) broadcasting each event to a group per topic.
/// </summary>
internal static class SignalRPeer
{
    public const string HubPath = "/hub";

    public static WebApplication Build(int port)
    {
        var builder = ServerHosts.CreateBuilder(port);
        builder.Services.AddSignalR();
        var app = builder.Build();
        app.MapHub<ProgressHub>(HubPath);
        var hub = app.Services.GetRequiredService<IHubContext<ProgressHub>>();
        app.MapLoadControl(new PeerPublisher((topic, snapshot) =>
        {
            using var message = JsonDocument.Parse(ProtocolMessages.ForEvent(snapshot));
            return hub.Clients.Group(topic.ToString()).SendAsync("progress", message.RootElement.Clone());
        }));
        return app;
    }

    public sealed class ProgressHub : Hub
    {
        public override Task OnConnectedAsync() =>
            Context.GetHttpContext()?.Request.Query["topic"].ToString() is { Length: > 0 } topic
                ? Groups.AddToGroupAsync(Context.ConnectionId, topic)
                : Task.CompletedTask;
    }
}
