using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net.Sockets;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// A client's TCP connection, read off the network as soon as bytes arrive whatever the WebSocket
/// above it does, and handed to that WebSocket when it reads. A test sees when the server's frames
/// arrive (<see cref="Frames"/>) while the WebSocket itself reads nothing and so answers no ping.
/// </summary>
internal sealed class TappedConnection : Stream
{
    private readonly NetworkStream _network;
    private readonly Pipe _arrived = new(new PipeOptions(pauseWriterThreshold: 0, resumeWriterThreshold: 0));
    private readonly Task _pumping;

    private TappedConnection(NetworkStream network)
    {
        _network = network;
        _pumping = PumpAsync();
    }

    public ServerFrameScanner Frames { get; } = new();

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public static async Task<TappedConnection> ConnectAsync(System.Net.DnsEndPoint endPoint, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endPoint, cancellationToken);
        return new TappedConnection(new NetworkStream(socket, ownsSocket: true));
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var arrived = await _arrived.Reader.ReadAsync(cancellationToken);
        var count = (int)Math.Min(arrived.Buffer.Length, buffer.Length);
        arrived.Buffer.Slice(0, count).CopyTo(buffer.Span);
        _arrived.Reader.AdvanceTo(arrived.Buffer.GetPosition(count));
        return count;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        _network.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _network.WriteAsync(buffer, offset, count, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => _network.Write(buffer, offset, count);

    public override void Flush() => _network.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => _network.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _network.Dispose();
            _pumping.GetAwaiter().GetResult();
        }

        base.Dispose(disposing);
    }

    private async Task PumpAsync()
    {
        var writer = _arrived.Writer;
        try
        {
            while (true)
            {
                var memory = writer.GetMemory(8192);
                var read = await _network.ReadAsync(memory);
                if (read == 0)
                {
                    break;
                }

                Frames.Read(memory.Span[..read], Stopwatch.GetTimestamp());
                writer.Advance(read);
                await writer.FlushAsync();
            }
        }
        catch (Exception exception) when (exception is IOException or ObjectDisposedException)
        {
            // The connection is gone; what arrived before stays readable.
        }

        await writer.CompleteAsync();
    }
}
