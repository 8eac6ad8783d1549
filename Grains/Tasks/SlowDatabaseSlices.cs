namespace OrleansTasks.Tasks;

/// <summary>
/// The slice size this silo's tasks last settled on against a slow database (<see cref="SliceSizer.DatabaseSlow"/>),
/// so that a task starting meanwhile begins there: from <see cref="SliceSizer"/>'s first count it would
/// double once a slice, each slice paying the slow round trips again (at 1 s of latency, half a minute
/// to reach a size that pays). Forgotten after <see cref="Fresh"/> without a task settling on a size.
/// </summary>
public sealed class SlowDatabaseSlices(TimeProvider time)
{
    /// <summary>How long a size is remembered: as long as a measured round trip counts.</summary>
    public static readonly TimeSpan Fresh = Storage.DatabaseRoundTrips.Fresh;

    private readonly Lock _gate = new();
    private int _documents;
    private long _at;

    /// <summary>A task's sizer asks <paramref name="documents"/> for its next slice against the slow database.</summary>
    public void Remember(int documents)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(documents, 1);
        lock (_gate)
        {
            _documents = documents;
            _at = time.GetTimestamp();
        }
    }

    /// <summary>The size remembered in the last <see cref="Fresh"/>; null when none was.</summary>
    public int? Recall()
    {
        lock (_gate)
        {
            return _documents > 0 && time.GetElapsedTime(_at) <= Fresh ? _documents : null;
        }
    }
}
