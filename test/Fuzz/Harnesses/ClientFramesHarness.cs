using OrleansTasks.Gateway.WebSockets;

namespace OrleansTasks.Fuzz.Harnesses;

/// <summary>The bytes a WebSocket client sends, split into reads at the sizes the input's first byte picks.</summary>
internal sealed class ClientFramesHarness : IHarness
{
    public string Name => "client-frames";

    public string Covers => "IncomingFrameReader (RFC 6455 frames across reads, pongs) and ClientMessages (ping, describe)";

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

        ClientMessages.IsPing(data);
        ClientMessages.Describe(data);
    }
}
