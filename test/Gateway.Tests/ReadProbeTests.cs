using Microsoft.Extensions.Time.Testing;
using OrleansTasks.Gateway.WebSockets;

namespace OrleansTasks.Gateway.Tests;

public sealed class ReadProbeTests : IDisposable
{
    private static readonly byte[] ProbeFrame = [0x89, 4, .. "read"u8];

    private readonly FakeTimeProvider _time = new();
    private readonly MemoryStream _written = new();
    private readonly ReadProbe _probe;

    public ReadProbeTests()
    {
        _probe = new ReadProbe(new PingTracker(_time), _time);
        _probe.Attach(new ObservedTransportStream(_written, _probe.Pings));
    }

    public void Dispose() => _written.Dispose();

    private int ProbesWritten()
    {
        var bytes = _written.ToArray();
        Assert.Equal(0, bytes.Length % ProbeFrame.Length);
        Assert.All(bytes.Chunk(ProbeFrame.Length), frame => Assert.Equal(ProbeFrame, frame));
        return bytes.Length / ProbeFrame.Length;
    }

    [Fact]
    public async Task A_message_is_followed_by_a_ping_the_tracker_waits_on()
    {
        await _probe.AfterMessageAsync();

        Assert.Equal(1, ProbesWritten());
        Assert.True(_probe.Pings.Outstanding);
        _time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(TimeSpan.FromSeconds(3), _probe.Pings.Unanswered());
    }

    [Fact]
    public async Task No_probe_goes_out_while_a_ping_waits_so_the_wait_counts_from_the_first()
    {
        await _probe.AfterMessageAsync();
        for (var i = 0; i < 5; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(2));
            await _probe.AfterMessageAsync();
        }

        Assert.Equal(1, ProbesWritten());
        Assert.Equal(TimeSpan.FromSeconds(10), _probe.Pings.Unanswered());
    }

    [Fact]
    public async Task An_answered_probe_is_followed_by_the_next_no_sooner_than_a_second_later()
    {
        await _probe.AfterMessageAsync();
        _probe.Pings.PongReceived("read"u8);
        _time.Advance(ReadProbe.MinInterval - TimeSpan.FromMilliseconds(1));
        await _probe.AfterMessageAsync();
        Assert.Equal(1, ProbesWritten());

        _time.Advance(TimeSpan.FromMilliseconds(1));
        await _probe.AfterMessageAsync();
        Assert.Equal(2, ProbesWritten());
    }

    [Fact]
    public void A_keep_alive_ping_sent_while_a_probe_waits_does_not_restart_the_wait()
    {
        var pings = new PingTracker(_time);
        pings.PingSent("read"u8);
        _time.Advance(TimeSpan.FromSeconds(4));
        pings.PingSent("12345678"u8);
        _time.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(TimeSpan.FromSeconds(8), pings.Unanswered());

        // Pongs come in the order of their pings: the last one's answers both.
        pings.PongReceived("read"u8);
        Assert.Equal(TimeSpan.FromSeconds(8), pings.Unanswered());
        pings.PongReceived("12345678"u8);
        Assert.Equal(TimeSpan.Zero, pings.Unanswered());
    }
}
