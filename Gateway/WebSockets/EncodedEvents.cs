using System.Runtime.CompilerServices;

namespace OrleansTasks.Gateway.WebSockets;

/// <summary>
/// Each event's message, encoded once per gateway however many sockets watch it: a feed hands the
/// same snapshot object to every listener, so the encoding is kept beside that object and goes
/// with it. Finding an encoding that exists allocates nothing.
/// </summary>
public sealed class EncodedEvents<T>
    where T : class
{
    private readonly ConditionalWeakTable<T, Lazy<byte[]>> _encoded = [];

    // Made once: a lambda written at the call would capture this and be allocated on every call.
    private readonly ConditionalWeakTable<T, Lazy<byte[]>>.CreateValueCallback _create;

    public EncodedEvents(Func<T, byte[]> encode) =>
        _create = snapshot => new Lazy<byte[]>(() => encode(snapshot));

    // When sockets race on a new event the table may make two Lazy values, but it stores one and
    // every caller reads that one, so the event is encoded once.
    public byte[] Get(T snapshot) =>
        (_encoded.TryGetValue(snapshot, out var encoded) ? encoded : _encoded.GetValue(snapshot, _create)).Value;
}
