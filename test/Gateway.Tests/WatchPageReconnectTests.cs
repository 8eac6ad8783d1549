using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.FileProviders;
using Microsoft.Playwright;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// The watch page keeps the protocol's promise to clients (docs/protocol.md 3.5): it reconnects after a 1001 close and
/// after a connection that stops answering its pings, and not after the 1000 that follows the end. A scripted server
/// plays each connection's part, serving the page's own files.
/// </summary>
public sealed class WatchPageReconnectTests
{
    [Fact]
    public async Task The_watch_page_reconnects_after_going_away_and_after_a_silent_connection_and_stops_at_the_end()
    {
        await using var server = await ScriptedServer.StartAsync();
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await HeadlessChromium.LaunchAsync(playwright);
        var page = await browser.NewPageAsync();
        await page.AddInitScriptAsync("window.watchTiming = { pingEvery: 1000, pongWithin: 1500 };");

        await page.GotoAsync($"{server.Address}/#task={Guid.NewGuid()}");
        await Assertions.Expect(page.Locator("#status")).ToHaveTextAsync("completed", new() { Timeout = 60_000 });
        var finished = page.Locator("#log li", new() { HasTextString = "WebSocket closed: 1000 Task finished" });
        await Assertions.Expect(finished).ToHaveCountAsync(1);

        var log = (await page.Locator("#log li").AllTextContentsAsync()).ToList();
        var goneAway = log.IndexOf("WebSocket closed: 1001 Going away");
        var silent = log.IndexOf("No pong: the connection is gone");
        var end = log.IndexOf("WebSocket closed: 1000 Task finished");
        Assert.True(goneAway >= 0 && silent > goneAway && end > silent, string.Join(" | ", log));
        Assert.StartsWith("Reconnecting in ", log[goneAway + 1], StringComparison.Ordinal);
        Assert.StartsWith("Reconnecting in ", log[silent + 1], StringComparison.Ordinal);
        Assert.Equal(end, log.Count - 1);
        Assert.Equal(3, server.Connections);
        Assert.True(server.PingsToSilent > 0, "the silent connection heard no ping");
        Assert.Equal(1, await page.Locator("#result tbody tr").CountAsync());
    }

    /// <summary>
    /// Serves Gateway/wwwroot and plays three connections on <c>/ws/task/{id}</c>: the first is closed with 1001, the
    /// second answers nothing (its pings are counted), the third sends the task's end and closes with 1000.
    /// </summary>
    private sealed class ScriptedServer : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly ConcurrentBag<string> _pings = [];
        private int _connections;

        private ScriptedServer(WebApplication app, string address)
        {
            _app = app;
            Address = address;
        }

        public string Address { get; }

        public int Connections => Volatile.Read(ref _connections);

        public int PingsToSilent => _pings.Count;

        public static async Task<ScriptedServer> StartAsync()
        {
            var address = $"http://127.0.0.1:{GatewayFactory.FreePort()}";
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls(address);
            var app = builder.Build();
            var server = new ScriptedServer(app, address);
            var files = new PhysicalFileProvider(Path.Combine(RepositoryPaths.Root, "Gateway", "wwwroot"));
            app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
            app.UseStaticFiles(new StaticFileOptions { FileProvider = files });
            app.UseWebSockets();
            app.Map("/ws/task/{id}", (Func<HttpContext, string, Task>)server.PlayAsync);
            await app.StartAsync();
            return server;
        }

        public ValueTask DisposeAsync() => _app.DisposeAsync();

        private async Task PlayAsync(HttpContext context, string id)
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            var connection = Interlocked.Increment(ref _connections);
            await SendAsync(socket, $$"""{"type":"connected","task_id":"{{id}}","seq":{{connection}},"current_status":"processing","status_message":"Indexing","current_progress":10}""");
            switch (connection)
            {
                case 1:
                    await socket.CloseAsync(WebSocketCloseStatus.EndpointUnavailable, "Going away", CancellationToken.None);
                    break;
                case 2:
                    var buffer = new byte[4096];
                    while (socket.State == WebSocketState.Open)
                    {
                        try
                        {
                            var received = await socket.ReceiveAsync(buffer, context.RequestAborted);
                            if (received.MessageType == WebSocketMessageType.Close)
                            {
                                break;
                            }

                            _pings.Add(Encoding.UTF8.GetString(buffer, 0, received.Count));
                        }
                        catch (Exception exception) when (exception is WebSocketException or OperationCanceledException)
                        {
                            break;
                        }
                    }

                    break;
                default:
                    await SendAsync(socket, $$$"""{"type":"complete","task_id":"{{{id}}}","seq":{{{connection + 1}}},"success":true,"message":"Indexed 1 document","progress":100,"result":{"total":1,"success":1,"failed":0,"skipped":0,"details":[{"id":"a.md","status":"indexed"}]}}""");
                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "Task finished", CancellationToken.None);
                    break;
            }
        }

        private static Task SendAsync(WebSocket socket, string json) =>
            socket.SendAsync(Encoding.UTF8.GetBytes(json), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
    }
}
