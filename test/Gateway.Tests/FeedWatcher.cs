using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.Playwright;

using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// A feed socket of the test's own (<c>/ws/tasks</c>), held open while a tab's link is cut and restored,
/// so that what the test changes meanwhile can reach the tab only through its read-back. The gateway
/// follows an owner's feed with one stream subscription while any of the owner's sockets is open; one
/// started anew (no socket left) begins at the newest message its stream still caches (Orleans'
/// <c>PooledQueueCache.SetCursor</c>), so a tab's socket opened after a cut could be sent the last change
/// made meanwhile, once per stream (tasks, batches and schedules). Once this socket has been sent those
/// changes, the tab's next socket joins a subscription past them. The socket is read all along in the
/// background: a .NET client answers the gateway's pings only while a receive is pending, and the
/// gateway closes a socket that does not answer.
/// </summary>
public sealed class FeedWatcher : IAsyncDisposable
{
    private static readonly TimeSpan Delivery = TimeSpan.FromSeconds(30);
    private readonly SocketClient _client;
    private readonly List<JsonElement> _messages = [];
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reading;
    private string? _ended;

    private FeedWatcher(SocketClient client)
    {
        _client = client;
        _reading = Task.Run(ReadAsync);
    }

    /// <summary>A feed socket on <paramref name="uri"/> (e.g. <c>GatewayFactory.SocketUri("/ws/tasks", token)</c>).</summary>
    public static async Task<FeedWatcher> ConnectAsync(Uri uri) => new(await SocketClient.ConnectAsync(uri));

    /// <summary>A <c>task</c> message of <paramref name="taskId"/> with <paramref name="status"/>.</summary>
    public static Sent ForTask(Guid taskId, string status) =>
        new($"task {taskId} {status}", m => Is(m, "task", "task_id", taskId) && m.GetProperty("status").GetString() == status);

    /// <summary>A <c>batch</c> message of <paramref name="batchId"/> with <paramref name="status"/>.</summary>
    public static Sent ForBatch(Guid batchId, string status) =>
        new($"batch {batchId} {status}", m => Is(m, "batch", "batch_id", batchId) && m.GetProperty("status").GetString() == status);

    /// <summary>A <c>schedule</c> message of <paramref name="scheduleId"/>.</summary>
    public static Sent ForSchedule(Guid scheduleId) => new($"schedule {scheduleId}", m => Is(m, "schedule", "schedule_id", scheduleId));

    /// <summary>
    /// Cuts <paramref name="link"/> and, once <paramref name="page"/> is reconnecting, runs
    /// <paramref name="change"/> (which waits for what it changed to end), then waits until this socket
    /// has been sent each of the messages <paramref name="last"/> names for its result: the last change of
    /// every stream it wrote to. The link stays cut.
    /// </summary>
    public async Task<T> WhileCutAsync<T>(CuttableProxy link, IPage page, Func<Task<T>> change, Func<T, Sent[]> last)
    {
        ArgumentNullException.ThrowIfNull(link);
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(last);
        link.Cut();
        await Assertions.Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "reconnecting");
        var changed = await change();
        foreach (var sent in last(changed))
        {
            await WaitForAsync(sent);
        }

        return changed;
    }

    /// <summary>Waits until this socket has been sent <paramref name="sent"/>.</summary>
    public Task WaitForAsync(Sent sent)
    {
        ArgumentNullException.ThrowIfNull(sent);
        return Eventually.TrueAsync($"the test's feed socket to be sent {sent.What}", () =>
        {
            lock (_lock)
            {
                Assert.True(_ended is null, $"the test's feed socket ended before it was sent {sent.What}: {_ended}");
                return Task.FromResult(_messages.Any(sent.Matches));
            }
        }, Delivery);
    }

    public async ValueTask DisposeAsync()
    {
        // Closing lets the pending receive see the gateway's close; a gateway that does not answer is cut off.
        if (_client.Socket.State == WebSocketState.Open)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _client.Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", timeout.Token);
            }
            catch (Exception exception) when (exception is WebSocketException or OperationCanceledException)
            {
                // Already gone: the receive below ends on its own.
            }
        }

        try
        {
            await _reading.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (TimeoutException)
        {
            await _stop.CancelAsync();
            await _reading;
        }

        _stop.Dispose();
        await _client.DisposeAsync();
    }

    private static bool Is(JsonElement message, string type, string key, Guid id) =>
        message.TryGetProperty("type", out var t) && t.GetString() == type && message.TryGetProperty(key, out var k) && k.GetGuid() == id;

    private async Task ReadAsync()
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        try
        {
            while (true)
            {
                var result = await _client.Socket.ReceiveAsync(buffer, _stop.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    End($"closed by the gateway: {result.CloseStatus} {result.CloseStatusDescription}");
                    return;
                }

                message.Write(buffer, 0, result.Count);
                if (result.EndOfMessage)
                {
                    using var json = JsonDocument.Parse(message.ToArray());
                    message.SetLength(0);
                    lock (_lock)
                    {
                        _messages.Add(json.RootElement.Clone());
                    }
                }
            }
        }
        catch (Exception exception) when (exception is WebSocketException or OperationCanceledException)
        {
            End(exception.Message);
        }
    }

    private void End(string how)
    {
        lock (_lock)
        {
            _ended ??= how;
        }
    }

    /// <summary>A message the test waits for its socket to be sent, and what it is, for a timeout to say.</summary>
    public sealed record Sent(string What, Func<JsonElement, bool> Matches);
}
