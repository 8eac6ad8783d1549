using OrleansTasks.Gateway.WebSockets;

namespace OrleansTasks.Gateway.Tests;

public sealed class EncodedEventsTests
{
    [Fact]
    public void An_event_is_encoded_once_however_many_sockets_send_it()
    {
        var encodings = 0;
        var events = new EncodedEvents<object>(_ =>
        {
            Interlocked.Increment(ref encodings);
            return [1, 2, 3];
        });
        var snapshot = new object();
        var other = new object();

        var sent = Enumerable.Range(0, 1000).AsParallel().Select(_ => events.Get(snapshot)).ToList();
        var forOther = events.Get(other);

        Assert.All(sent, bytes => Assert.Same(sent[0], bytes));
        Assert.NotSame(sent[0], forOther);
        Assert.Equal(2, encodings);
    }
}
