using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Threading.Channels;
using OrleansTasks.Gateway.WebSockets;

namespace OrleansTasks.Benchmarks.Servers;

/// <summary>
/// The reference for what this machine can do: plain Kestrel WebSockets, no Orleans, no auth.
/// Each event is encoded once and the same bytes are queued to every socket on its topic; each
/// socket has its own send loop and a small queue that drops the oldest message when full.
/// </summary>
internal static class KestrelPeer
{
    /// <summary>The gateway's default <c>Gateway:ProgressQueueLength</c>: both queue alike.</summary>
    public static readonly int QueuedMessages = new Gateway.Hosting.GatewayOptions().ProgressQueueLength;

    public static WebApplication Build(int port)
    {
        var app = ServerHosts.CreateBuilder(port).Build();
        var topics = new ConcurrentDictionary<Guid, ConcurrentDictionary<Channel<byte[]>, byte>>();
        app.UseWebSockets();
        app.Map("/ws", async (HttpContext context, Guid topic) =>
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            var queue = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(QueuedMessages)
            {
                FullMode = BoundedChannelFullMode.DropOldest,
                SingleReader = true,
            });
            var watchers = topics.GetOrAdd(topic, _ => new());
            watchers.TryAdd(queue, 0);
            try
            {
                var sending = SendLoopAsync(socket, queue.Reader);
                await ReceiveUntilClosedAsync(socket);
                queue.Writer.TryComplete();
                await sending;
            }
            finally
            {
                watchers.TryRemove(queue, out _);
            }
        });
        app.MapLoadControl(new PeerPublisher((topic, snapshot) =>
        {
            if (topics.TryGetValue(topic, out var watchers))
            {
                var message = ProtocolMessages.ForEvent(snapshot);
                foreach (var queue in watchers.Keys)
                {
                    queue.Writer.TryWrite(message);
                }
            }

            return Task.CompletedTask;
        }));
        return app;
    }

    private static async Task SendLoopAsync(WebSocket socket, ChannelReader<byte[]> queue)
    {
        try
        {
            await foreach (var message in queue.ReadAllAsync())
            {
                await socket.SendAsync(message, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
            }
        }
        catch (Exception exception) when (exception is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
    }

    private static async Task ReceiveUntilClosedAsync(WebSocket socket)
    {
        var buffer = new byte[1024];
        try
        {
            while ((await socket.ReceiveAsync(buffer, CancellationToken.None)).MessageType != WebSocketMessageType.Close)
            {
            }

            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
        }
        catch (Exception exception) when (exception is WebSocketException or ObjectDisposedException or OperationCanceledException
            or Microsoft.AspNetCore.Connections.ConnectionAbortedException or IOException)
        {
        }
    }
}
