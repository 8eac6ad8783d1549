using System.Net.WebSockets;
using OrleansTasks.Gateway.WebSockets;

namespace OrleansTasks.Fuzz.Harnesses;

/// <summary>
/// The bytes a WebSocket client sends, split into reads at the sizes the input's first byte picks:
/// through the gateway's frame reader (pongs), and through a server WebSocket into the receive
/// loop's decisions (<see cref="ClientMessageIntake"/>, with a message budget the first byte also
/// picks), which must answer as docs/protocol.md says: no more pongs than the budget, at most one
/// violation and nothing after it but the client's close, echoed.
/// </summary>
internal sealed class ClientFramesHarness : IHarness
{
    public string Name => "client-frames";

    public string Covers => "IncomingFrameReader (RFC 6455 frames across reads, pongs) and ClientMessageIntake (ping, unknown messages, binary, oversize, rate, close) behind a server WebSocket";

    public void Run(byte[] input)
    {
        if (input.Length == 0)
        {
            return;
        }

        var pings = new PingTracker(TimeProvider.System);
        pings.PingSent([1, 2, 3, 4]);
        var reader = new IncomingFrameReader(pings);
        var data = input.AsSpan(1);
        var readSize = input[0] % 17 + 1;
        for (var offset = 0; offset < data.Length; offset += readSize)
        {
            reader.Read(data.Slice(offset, Math.Min(readSize, data.Length - offset)));
        }

        ClientMessages.Describe(data);
        Intake(input[1..], readSize, budget: input[0] / 17);
    }

    private static void Intake(byte[] data, int readSize, int budget)
    {
        using var socket = WebSocket.CreateFromStream(new ClientBytes(data, readSize), new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
        var asked = 0;
        var intake = new ClientMessageIntake(() => ++asked <= budget);
        var pongs = 0;
        SocketClose? violation = null;
        try
        {
            while (true)
            {
                var step = intake.NextAsync(socket, CancellationToken.None).GetAwaiter().GetResult();
                switch (step.Action)
                {
                    case IntakeAction.Pong when violation is not null:
                        throw new InvalidOperationException($"A pong after the violation '{violation.Reason}'.");
                    case IntakeAction.Pong when ++pongs > budget:
                        throw new InvalidOperationException($"{pongs} pongs for a budget of {budget} messages.");
                    case IntakeAction.Violation when violation is not null:
                        throw new InvalidOperationException($"A second violation '{step.Close!.Reason}' after '{violation.Reason}'.");
                    case IntakeAction.Violation when step.Close == SocketClose.RateLimitExceeded && asked <= budget:
                        throw new InvalidOperationException($"The rate limit closed the socket after {asked} of {budget} messages.");
                    case IntakeAction.Violation when step.Close != SocketClose.RateLimitExceeded && step.Close != SocketClose.BinaryNotSupported && step.Close != SocketClose.MessageTooBig:
                        throw new InvalidOperationException($"A violation with an undocumented close '{step.Close}'.");
                    case IntakeAction.Violation:
                        violation = step.Close;
                        break;
                    case IntakeAction.ClientClosed when step.Close != SocketClose.Echo(socket.CloseStatus):
                        throw new InvalidOperationException($"The client's close {socket.CloseStatus} answered with {step.Close}.");
                    case IntakeAction.ClientClosed:
                        return;
                }
            }
        }
        catch (WebSocketException)
        {
            // The bytes broke RFC 6455 or ended before a close: the session ends the socket (GoingAway).
        }
    }

    /// <summary>The client's side of the connection: its bytes, a read of at most <c>readSize</c> at a time; what the server writes is dropped.</summary>
    private sealed class ClientBytes(byte[] data, int readSize) : Stream
    {
        private int _offset;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var count = Math.Min(Math.Min(readSize, buffer.Length), data.Length - _offset);
            data.AsSpan(_offset, count).CopyTo(buffer);
            _offset += count;
            return count;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => new(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(Read(buffer, offset, count));

        public override void Write(byte[] buffer, int offset, int count)
        {
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.CompletedTask;

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
