using System.Runtime.CompilerServices;

namespace OrleansTasks.Gateway.WebSockets;

/// <summary>
/// Each event's message, encoded once per gateway however many sockets watch it: a feed hands the
/// same snapshot object to every listener, so the encoding is kept beside that object and goes
/// with it.
/// </summary>
public sealed class EncodedEvents<T>(Func<T, byte[]> encode)
    where T : class
{
    // The table may build a value twice when two sockets race; the Lazy makes the loser's unused.
    private readonly ConditionalWeakTable<T, Lazy<byte[]>> _encoded = [];

    public byte[] Get(T snapshot) => _encoded.GetValue(snapshot, key => new Lazy<byte[]>(() => encode(key))).Value;
}
