namespace OrleansTasks.Indexing;

/// <summary>
/// The index connections a silo's slices may take beyond one each, to write their parts at once
/// (<see cref="SliceParts"/>): half the index pool, shared by every task on the silo. A slice takes what is
/// free without waiting and writes fewer parts when there is less, so that the other half stays for each
/// task's first statement, the task history, uploads and the database's round-trip probe.
/// </summary>
public sealed class ExtraIndexConnections(int poolSize)
{
    private int _free = Math.Max(0, poolSize / 2);

    /// <summary>The extra connections not taken now.</summary>
    public int Free => Volatile.Read(ref _free);

    /// <summary>Takes up to <paramref name="wanted"/> extra connections, as many as are free now.</summary>
    public Lease Take(int wanted)
    {
        while (true)
        {
            var free = Volatile.Read(ref _free);
            var taken = Math.Clamp(wanted, 0, free);
            if (taken == 0 || Interlocked.CompareExchange(ref _free, free - taken, free) == free)
            {
                return new Lease(this, taken);
            }
        }
    }

    /// <summary>Extra connections taken: given back when disposed.</summary>
    public readonly struct Lease(ExtraIndexConnections owner, int count) : IDisposable
    {
        public int Count => count;

        public void Dispose()
        {
            if (count > 0)
            {
                Interlocked.Add(ref owner._free, count);
            }
        }
    }
}
