using System.Net.WebSockets;
using System.Text.Json;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests.Docker;

/// <summary>
/// A task followed over its socket as a client that reconnects follows it: a socket the server
/// closes before the task's terminal message (a gateway leaving with 1001) or that drops (the front
/// door replaced) is opened again through <c>connect</c>, and each new socket's <c>connected</c>
/// snapshot must not be behind what the earlier sockets showed.
/// </summary>
public sealed class TaskFollower(Guid taskId, Func<Task<SocketClient>> connect) : IAsyncDisposable
{
    private static readonly TimeSpan RetryAfter = TimeSpan.FromMilliseconds(200);
    private SocketClient? _socket;
    private long _seq = -1;
    private int _progress = -1;

    /// <summary>Each socket's messages, one list per socket in the order they were opened.</summary>
    public List<List<JsonElement>> Sockets { get; } = [];

    public IEnumerable<JsonElement> Messages => Sockets.SelectMany(messages => messages);

    /// <summary>How many times the socket was opened again.</summary>
    public int Reconnects => Math.Max(0, Sockets.Count - 1);

    /// <summary>Reads, reconnecting as needed, until a message is <paramref name="wanted"/>; the task ending first fails.</summary>
    public async Task<JsonElement> UntilAsync(Func<JsonElement, bool> wanted, TimeSpan timeout, string waitingFor)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero)
            {
                throw new TimeoutException($"Waited {timeout} for {waitingFor} on task {taskId}'s socket ({Sockets.Count} socket(s), {Messages.Count()} messages)");
            }

            _socket ??= await OpenAsync(remaining);
            if (await ReceiveOrDroppedAsync(_socket, remaining) is not { } message)
            {
                await _socket.DisposeAsync();
                _socket = null;
                continue;
            }

            Keep(message);
            if (wanted(message))
            {
                return message;
            }

            Assert.False(MessageAssert.Type(message) is "complete" or "error" or "cancelled", $"task {taskId} ended ({MessageAssert.Type(message)}) before {waitingFor}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket is not null)
        {
            await _socket.DisposeAsync();
        }
    }

    private async Task<SocketClient> OpenAsync(TimeSpan remaining)
    {
        var socket = await Deadline.RunAsync(async cancelled =>
        {
            while (true)
            {
                try
                {
                    return await connect();
                }
                catch (Exception exception) when (exception is WebSocketException or TimeoutException)
                {
                    await Task.Delay(RetryAfter, cancelled);
                }
            }
        }, remaining, $"a socket for task {taskId} (socket {Sockets.Count + 1})");
        Sockets.Add([]);
        return socket;
    }

    /// <summary>The next message; null once the server has closed the socket or it dropped.</summary>
    private static async Task<JsonElement?> ReceiveOrDroppedAsync(SocketClient socket, TimeSpan remaining)
    {
        try
        {
            return await socket.ReceiveAsync(remaining);
        }
        catch (WebSocketException)
        {
            return null;
        }
    }

    private void Keep(JsonElement message)
    {
        Sockets[^1].Add(message);
        var type = MessageAssert.Type(message);
        if (type == "connected")
        {
            MessageAssert.IsConnected(message, taskId);
            var progress = message.GetProperty("current_progress").GetInt32();
            Assert.True(MessageAssert.Seq(message) >= _seq, $"socket {Sockets.Count}'s connected seq {MessageAssert.Seq(message)} is behind seq {_seq} seen before");
            Assert.True(progress >= _progress, $"socket {Sockets.Count}'s connected snapshot went back from {_progress}% to {progress}%");
            _progress = progress;
        }
        else if (type == "progress")
        {
            _progress = Math.Max(_progress, message.GetProperty("progress").GetInt32());
        }

        _seq = Math.Max(_seq, MessageAssert.Seq(message));
    }
}
