using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace OrleansTasks.Indexing;

/// <summary>
/// The document ids a <c>delete_missing</c> pass saw, kept as 64-bit hashes (8 bytes an id, where the ids themselves
/// took about a hundred): a pass over a million documents holds 8 MB until it ends. An unseen id whose hash equals a
/// seen one's (about one chance in 10^7 for a million of each) is kept, never removed: a collision can only spare a
/// document, not delete one that was seen.
/// </summary>
internal sealed class SeenIds
{
    private readonly List<ulong> _hashes = [];
    private bool _sorted = true;

    public int Count => _hashes.Count;

    public void AddRange(IEnumerable<string> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        foreach (var id in ids)
        {
            _hashes.Add(Hash(id));
        }

        _sorted = false;
    }

    /// <summary>Whether <paramref name="id"/> (or an id of the same hash) was seen; the first call after an addition sorts.</summary>
    public bool Contains(string id)
    {
        if (!_sorted)
        {
            _hashes.Sort();
            _sorted = true;
        }

        return _hashes.BinarySearch(Hash(id)) >= 0;
    }

    private static ulong Hash(string id) => XxHash3.HashToUInt64(MemoryMarshal.AsBytes(id.AsSpan()));
}
