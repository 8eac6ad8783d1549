using System.Globalization;

namespace OrleansTasks.Benchmarks.Servers;

/// <summary>
/// The progress events every server under load sends: the same snapshot shape a running index task
/// publishes, so the OrleansTasks gateway and the peers put messages of the same size on the wire.
/// </summary>
internal static class SampleEvents
{
    public const int Total = 1_000_000;

    public static IndexTaskSnapshot Waiting(Guid id, DateTimeOffset now) => new()
    {
        TaskId = id,
        OwnerId = LoadSettings.User,
        Collection = "bench",
        Status = IndexTaskStatus.Processing,
        Progress = 0,
        Current = 0,
        Total = Total,
        Message = "",
        Seq = 1,
        Counts = new TaskCounts(0, 0, 0),
        CreatedAt = now,
        UpdatedAt = now,
    };

    /// <summary>The <paramref name="count"/>th event after <paramref name="start"/>, stamped with the time it is published.</summary>
    public static IndexTaskSnapshot Progress(IndexTaskSnapshot start, long count, DateTimeOffset now)
    {
        var current = (int)Math.Min(count, Total - 1);
        return start with
        {
            Status = IndexTaskStatus.Processing,
            Current = current,
            Progress = (int)(current * 100L / Total),
            Message = string.Create(CultureInfo.InvariantCulture, $"Indexing {current}/{Total}"),
            Seq = start.Seq + count,
            UpdatedAt = now,
        };
    }
}
