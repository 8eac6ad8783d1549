namespace OrleansTasks.Tasks;

/// <summary>
/// The slice size this silo's tasks last asked for against a slow database (<see cref="SliceSizer.DatabaseSlow"/>),
/// one for each slice budget (tasks of stored documents and of streaming sources size differently), so that a
/// task starting meanwhile begins there: from <see cref="SliceSizer"/>'s first count it would double once a
/// slice, each slice paying the slow round trips again (at 1 s of latency, half a minute to reach a size
/// that pays). A size too large for the new task's documents costs one slice: the sizer halves a slice that
/// took longer than its round trips justify. Forgotten after <see cref="Fresh"/> without a task asking again.
/// </summary>
public sealed class SlowDatabaseSlices(TimeProvider time)
{
    /// <summary>How long a size is remembered: as long as a measured round trip counts.</summary>
    public static readonly TimeSpan Fresh = Storage.DatabaseRoundTrips.Fresh;

    private readonly Lock _gate = new();
    private readonly Dictionary<TimeSpan, (int Documents, long At)> _asked = [];

    /// <summary>A task whose slices have <paramref name="budget"/> asks <paramref name="documents"/> for its next slice against the slow database.</summary>
    public void Remember(TimeSpan budget, int documents)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(documents, 1);
        lock (_gate)
        {
            _asked[budget] = (documents, time.GetTimestamp());
        }
    }

    /// <summary>The size remembered for <paramref name="budget"/> in the last <see cref="Fresh"/>; null when none was.</summary>
    public int? Recall(TimeSpan budget)
    {
        lock (_gate)
        {
            return _asked.TryGetValue(budget, out var asked) && time.GetElapsedTime(asked.At) <= Fresh ? asked.Documents : null;
        }
    }
}
