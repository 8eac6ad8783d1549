using System.Runtime.CompilerServices;

namespace OrleansTasks.Gateway.WebSockets;

/// <summary>
/// Each event's message, encoded once per gateway however many sockets watch it: a feed hands the
/// same snapshot object to every listener, so the encoding is kept beside that object and goes
/// with it. Looking it up allocates nothing.
/// </summary>
public sealed class EncodedEvents<T>(Func<T, byte[]> encode)
    where T : class
{
    private readonly ConditionalWeakTable<T, byte[]> _encoded = [];

    public byte[] Get(T snapshot)
    {
        if (_encoded.TryGetValue(snapshot, out var encoded))
        {
            return encoded;
        }

        // Two sockets may race to encode the same event; the bytes are equal, and the first stored is kept.
        encoded = encode(snapshot);
        return _encoded.TryAdd(snapshot, encoded) || !_encoded.TryGetValue(snapshot, out var stored) ? encoded : stored;
    }
}
