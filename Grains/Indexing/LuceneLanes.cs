namespace OrleansTasks.Indexing;

/// <summary>
/// Splits the documents a slice writes to the Lucene index into lanes written at once, one thread each: Lucene's writer
/// takes documents from several threads, each analysed into a buffer of its own, so a slice uses every core of the
/// process instead of one. Lanes hold <see cref="MinDocuments"/> or more on average (lanes are chosen by key, so one may
/// hold fewer), and there are no more lanes than cores.
/// Every write of one key goes to the same lane in the slice's order, so the last of them is the one that stays.
/// </summary>
internal static class LuceneLanes
{
    /// <summary>Below this many documents a lane costs more in threads than it saves.</summary>
    public const int MinDocuments = 128;

    /// <summary>Lucene's writer keeps buffers for at most eight threads at once; more would wait for one another.</summary>
    public const int MaxLanes = 8;

    /// <summary>The positions in <paramref name="keys"/> of each lane's writes, in order.</summary>
    public static List<int>[] Split(IReadOnlyList<string> keys, int processors)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var count = Math.Clamp(keys.Count / MinDocuments, 1, Math.Clamp(processors, 1, MaxLanes));
        var lanes = new List<int>[count];
        for (var lane = 0; lane < count; lane++)
        {
            lanes[lane] = new List<int>(keys.Count / count + 1);
        }

        for (var i = 0; i < keys.Count; i++)
        {
            lanes[(uint)StringComparer.Ordinal.GetHashCode(keys[i]) % (uint)count].Add(i);
        }

        return lanes;
    }
}
