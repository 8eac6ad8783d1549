using System.Net.Security;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace OrleansTasks.Testing;

/// <summary>A real WebSocket client that records every message and how the server closed.</summary>
public sealed class SocketClient : IAsyncDisposable
{
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(30);
    private readonly ClientWebSocket _socket = new();
    private string _path = "";

    public List<JsonElement> Messages { get; } = [];

    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;

    public string? CloseReason => _socket.CloseStatusDescription;

    public WebSocket Socket => _socket;

    /// <summary>Clean-up to run once the socket is disposed, such as cancelling the task it watched.</summary>
    public Func<Task>? AfterDispose { get; set; }

    /// <param name="serverCertificate">For <c>wss:</c> to a server whose certificate this machine does not trust: whether to accept it.</param>
    /// <param name="keepAlive">Whether the client sends frames of its own when idle (.NET's every 30 s); a browser sends none.</param>
    public static async Task<SocketClient> ConnectAsync(
        Uri uri, string? origin = null, string? bearer = null, RemoteCertificateValidationCallback? serverCertificate = null, bool keepAlive = true)
    {
        var client = new SocketClient();
        client._socket.Options.RemoteCertificateValidationCallback = serverCertificate;
        if (!keepAlive)
        {
            client._socket.Options.KeepAliveInterval = TimeSpan.Zero;
        }

        if (origin is not null)
        {
            client._socket.Options.SetRequestHeader("Origin", origin);
        }

        if (bearer is not null)
        {
            client._socket.Options.SetRequestHeader("Authorization", "Bearer " + bearer);
        }

        // The path only: the query may hold a token.
        client._path = uri.AbsolutePath;
        await Deadline.RunAsync(
            cancelled => client._socket.ConnectAsync(uri, cancelled), HandshakeTimeout, $"the WebSocket handshake on {client._path}");
        return client;
    }

    public Task SendTextAsync(string text) =>
        _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);

    /// <summary>The next message, or null once the server has closed; a <see cref="TimeoutException"/> when none comes in time.</summary>
    public Task<JsonElement?> ReceiveAsync(TimeSpan? timeout = null)
    {
        var wait = timeout ?? TimeSpan.FromSeconds(30);
        return Deadline.RunAsync(cancelled => ReadMessageAsync(cancelled), wait, $"a message or the close on {_path} (after {Messages.Count} messages)");
    }

    private async Task<JsonElement?> ReadMessageAsync(CancellationToken deadline)
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await _socket.ReceiveAsync(buffer, deadline);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                if (_socket.State == WebSocketState.CloseReceived)
                {
                    await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
                }

                return null;
            }

            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                using var json = JsonDocument.Parse(message.ToArray());
                var element = json.RootElement.Clone();
                Messages.Add(element);
                return element;
            }
        }
    }

    /// <summary>Reads until the server closes; returns the messages received on the way.</summary>
    public async Task<List<JsonElement>> ReceiveUntilClosedAsync(TimeSpan? timeout = null)
    {
        var received = new List<JsonElement>();
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (await ReceiveAsync(deadline - DateTime.UtcNow) is { } message)
        {
            received.Add(message);
        }

        return received;
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "", timeout.Token);
            }
            catch (Exception exception) when (exception is WebSocketException or OperationCanceledException)
            {
                _socket.Abort();
            }
        }

        _socket.Dispose();
        if (AfterDispose is not null)
        {
            await AfterDispose();
        }
    }
}
