using System.Buffers;
using System.Net.WebSockets;
using System.Text;

namespace OrleansTasks.Benchmarks.Load;

/// <summary>One client socket of the generator: connects, then reads and records until closed; can stop reading.</summary>
internal sealed class LoadSocket : IDisposable
{
    private static readonly byte[] SignalRHandshake = Encoding.UTF8.GetBytes("{\"protocol\":\"json\",\"version\":1}\u001e");
    private static readonly byte[] Ping = "ping"u8.ToArray();
    private readonly ClientWebSocket _socket = new();
    private readonly Deliveries? _latencies;
    private readonly OwnerFeedFrames? _feed;
    private long _received;
    private TaskCompletionSource _resumed = Completed();
    private Task _reading = Task.CompletedTask;

    private LoadSocket(Guid topic, bool counted, Deliveries? latencies, OwnerFeedFrames? feed = null)
    {
        Topic = topic;
        Counted = counted;
        _latencies = latencies;
        _feed = feed;
        _socket.Options.SetBuffer(4096, 1024);
        _socket.Options.CollectHttpResponseDetails = true;
    }

    /// <summary>Stands in for a socket being replaced: received nothing, counts nothing.</summary>
    public static readonly LoadSocket Closed = new(Guid.Empty, counted: false, latencies: null);

    public Guid Topic { get; }

    /// <summary>Whether this socket counts its topic's events (one socket per topic does).</summary>
    public bool Counted { get; }

    /// <summary>Progress messages received so far.</summary>
    public long Received => Volatile.Read(ref _received);

    /// <summary>Whether this socket records latencies.</summary>
    public bool Sampled => _latencies is not null;

    /// <summary>How the server closed the socket, once it has; null while open or when the connection just dropped.</summary>
    public WebSocketCloseStatus? CloseStatus { get; private set; }

    public bool Ended => _reading.IsCompleted;

    /// <param name="latencies">Where to record latencies; null for a socket that only counts.</param>
    public static async Task<LoadSocket> ConnectAsync(LoadTarget target, HttpMessageInvoker invoker, Guid topic, bool counted, Deliveries? latencies)
    {
        var socket = new LoadSocket(topic, counted, latencies);
        try
        {
            await socket._socket.ConnectAsync(target.SocketUri(topic), invoker, CancellationToken.None);
            if (target.IsSignalR)
            {
                await socket._socket.SendAsync(SignalRHandshake, WebSocketMessageType.Text, true, CancellationToken.None);
            }
        }
        catch (WebSocketException exception)
        {
            throw new RefusedException((int)socket._socket.HttpStatusCode, exception);
        }

        socket._reading = socket.ReadAsync();
        return socket;
    }

    /// <summary>A <c>/ws/tasks</c> socket: counts <c>task</c> messages into <paramref name="feed"/>.</summary>
    public static async Task<LoadSocket> ConnectFeedAsync(Uri uri, HttpMessageInvoker invoker, OwnerFeedFrames feed)
    {
        var socket = new LoadSocket(Guid.Empty, counted: true, latencies: null, feed);
        try
        {
            await socket._socket.ConnectAsync(uri, invoker, CancellationToken.None);
        }
        catch (WebSocketException exception)
        {
            throw new RefusedException((int)socket._socket.HttpStatusCode, exception);
        }

        socket._reading = socket.ReadAsync();
        return socket;
    }

    public void StopReading() => _resumed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void ResumeReading() => _resumed.TrySetResult();

    /// <summary>Waits until the server closes the socket or the connection drops.</summary>
    public Task WhenEndedAsync() => _reading;

    public Task PingAsync() => _socket.SendAsync(Ping, WebSocketMessageType.Text, true, CancellationToken.None);

    public void Abort() => _socket.Abort();

    public void Dispose()
    {
        _socket.Abort();
        _socket.Dispose();
    }

    private async Task ReadAsync()
    {
        var buffer = ArrayPool<byte>.Shared.Rent(8192);
        var message = new ArrayBufferWriter<byte>();
        try
        {
            while (true)
            {
                await _resumed.Task;
                var result = await _socket.ReceiveAsync(buffer, CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    CloseStatus = result.CloseStatus;
                    return;
                }

                if (result.EndOfMessage && message.WrittenCount == 0)
                {
                    Volatile.Write(ref _received, _received + Count(buffer.AsSpan(0, result.Count)));
                    continue;
                }

                message.Write(buffer.AsSpan(0, result.Count));
                if (result.EndOfMessage)
                {
                    Volatile.Write(ref _received, _received + Count(message.WrittenSpan));
                    message.ResetWrittenCount();
                }
            }
        }
        catch (Exception exception) when (exception is WebSocketException or ObjectDisposedException or OperationCanceledException or IOException)
        {
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private int Count(ReadOnlySpan<byte> frame) => _feed?.Read(frame) ?? ProgressFrames.Read(frame, _latencies);

    private static TaskCompletionSource Completed()
    {
        var source = new TaskCompletionSource();
        source.SetResult();
        return source;
    }
}

/// <summary>The server answered the upgrade with an HTTP status instead of accepting it.</summary>
internal sealed class RefusedException(int status, Exception inner) : Exception($"Refused with HTTP {status}", inner)
{
    public int Status { get; } = status;
}
