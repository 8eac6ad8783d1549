using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace OrleansTasks.Indexing;

/// <summary>
/// The document ids a <c>delete_missing</c> pass saw, kept as 64-bit hashes (8 bytes an id, where the ids themselves
/// took about a hundred): a pass over a million documents holds 8 MB until it ends. An unseen id whose hash equals a
/// seen one's (about one chance in 10^7 for a million of each) is kept, never removed: a collision can only spare a
/// document, not delete one that was seen. The hash's seed is drawn for each pass, so that ids chosen to collide with
/// another (a source's file names are the user's) cannot be built in advance. An id recorded twice (a slice retried) is
/// kept once.
/// </summary>
internal sealed class SeenIds
{
    private readonly List<ulong> _hashes = [];
    private readonly long _seed = Random.Shared.NextInt64();
    private bool _sorted = true;

    /// <summary>The distinct ids recorded (ids of equal hashes counting once).</summary>
    public int Count
    {
        get
        {
            Sort();
            return _hashes.Count;
        }
    }

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
        Sort();
        return _hashes.BinarySearch(Hash(id)) >= 0;
    }

    private void Sort()
    {
        if (_sorted)
        {
            return;
        }

        _hashes.Sort();
        var kept = 0;
        for (var i = 0; i < _hashes.Count; i++)
        {
            if (kept == 0 || _hashes[i] != _hashes[kept - 1])
            {
                _hashes[kept++] = _hashes[i];
            }
        }

        _hashes.RemoveRange(kept, _hashes.Count - kept);
        _sorted = true;
    }

    private ulong Hash(string id) => XxHash3.HashToUInt64(MemoryMarshal.AsBytes(id.AsSpan()), _seed);
}
