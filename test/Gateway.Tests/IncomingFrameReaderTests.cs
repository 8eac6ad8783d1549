using Microsoft.Extensions.Time.Testing;
using OrleansTasks.Gateway.WebSockets;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

public sealed class IncomingFrameReaderTests
{
    private static readonly byte[] Mask = [0x37, 0xFA, 0x21, 0x3D];

    /// <summary>A client frame as RFC 6455 §5.2 lays it out: masked, with the shortest length encoding.</summary>
    private static byte[] ClientFrame(int opcode, byte[] payload)
    {
        var frame = new List<byte> { (byte)(0x80 | opcode) };
        if (payload.Length < 126)
        {
            frame.Add((byte)(0x80 | payload.Length));
        }
        else
        {
            frame.Add(0x80 | 126);
            frame.Add((byte)(payload.Length >> 8));
            frame.Add((byte)payload.Length);
        }

        frame.AddRange(Mask);
        frame.AddRange(payload.Select((b, i) => (byte)(b ^ Mask[i % 4])));
        return [.. frame];
    }

    [Fact]
    public void A_pong_with_the_ping_payload_answers_it_however_the_bytes_are_split()
    {
        var time = new FakeTimeProvider();
        var pings = new PingTracker(time);
        var reader = new IncomingFrameReader(pings);
        var payload = "pingpong"u8.ToArray();
        pings.PingSent(payload);
        time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(TimeSpan.FromSeconds(3), pings.Unanswered());

        // A 300-byte text message (16-bit length) first, then the pong, one byte per read.
        var bytes = ClientFrame(0x1, new byte[300]).Concat(ClientFrame(0xA, payload)).ToArray();
        for (var i = 0; i < bytes.Length - 1; i++)
        {
            reader.Read(bytes.AsSpan(i, 1));
        }

        Assert.Equal(TimeSpan.FromSeconds(3), pings.Unanswered());
        reader.Read(bytes.AsSpan(bytes.Length - 1));
        Assert.Equal(TimeSpan.Zero, pings.Unanswered());
    }

    [Fact]
    public void A_pong_with_another_payload_or_other_frames_leave_the_ping_unanswered()
    {
        var time = new FakeTimeProvider();
        var pings = new PingTracker(time);
        var reader = new IncomingFrameReader(pings);
        pings.PingSent("12345678"u8);
        reader.Read(ClientFrame(0xA, [])); // an unsolicited pong, as .NET clients send to keep alive
        reader.Read(ClientFrame(0xA, "87654321"u8.ToArray()));
        reader.Read(ClientFrame(0x1, "12345678"u8.ToArray()));
        time.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal(TimeSpan.FromSeconds(11), pings.Unanswered());

        reader.Read(ClientFrame(0xA, "12345678"u8.ToArray()));
        Assert.Equal(TimeSpan.Zero, pings.Unanswered());
    }

    [Fact]
    public async Task A_frame_whose_64_bit_length_has_its_top_bit_set_ends_the_reading_instead_of_spinning()
    {
        // Found by the client-frames fuzzer: read as a negative length, such a frame took nothing
        // from each read and the reader looped for ever on the connection's read path.
        var time = new FakeTimeProvider();
        var pings = new PingTracker(time);
        var reader = new IncomingFrameReader(pings);
        pings.PingSent("12345678"u8);
        byte[] invalid = [0x82, 0x80 | 127, 0xFF, 0xE1, 0x80, 0x20, 0, 0, 0, 0, .. Mask, 1, 2, 3];
        var bytes = invalid.Concat(ClientFrame(0xA, "12345678"u8.ToArray())).ToArray();

        await Deadline.RunAsync(cancelled => Task.Run(() => reader.Read(bytes), cancelled), TimeSpan.FromSeconds(10), "the reader to return from an invalid frame");
        reader.Read(ClientFrame(0xA, "12345678"u8.ToArray()));

        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(TimeSpan.FromSeconds(2), pings.Unanswered());
    }

    [Fact]
    public void No_ping_sent_means_nothing_is_unanswered()
    {
        var time = new FakeTimeProvider();
        var pings = new PingTracker(time);
        time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(TimeSpan.Zero, pings.Unanswered());
    }
}
