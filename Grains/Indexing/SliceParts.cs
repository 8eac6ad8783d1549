namespace OrleansTasks.Indexing;

/// <summary>
/// How a slice's upsert is cut into parts written at once, each on a connection of its own, in the
/// slice's order. One statement keeps one server process busy, and a slice's turn leaves it idle while
/// the silo reads, hashes and records; two statements at once indexed a corpus about 1.4 times as fast
/// as one (BENCHMARKS.md, "A slice written as two statements at once"). Parts hold at least
/// <see cref="MinDocuments"/> documents: a smaller statement's round trip and planning weigh more
/// than the second process gains, so a small task's slice stays one statement. A slice of at most
/// <see cref="Tasks.SliceSizer.MaxDocuments"/> documents has at most <see cref="MaxParts"/> parts.
/// </summary>
public static class SliceParts
{
    /// <summary>The fewest documents a part holds.</summary>
    public const int MinDocuments = 256;

    /// <summary>The most parts a slice is cut into.</summary>
    public const int MaxParts = Tasks.SliceSizer.MaxDocuments / MinDocuments;

    /// <summary>
    /// The parts of a slice of <paramref name="documents"/> written on at most <paramref name="connections"/>
    /// connections: consecutive ranges covering the slice in order, their sizes differing by one at most.
    /// </summary>
    public static IReadOnlyList<Range> Of(int documents, int connections)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(documents);
        ArgumentOutOfRangeException.ThrowIfLessThan(connections, 1);
        var count = Math.Clamp(documents / MinDocuments, 1, connections);
        var parts = new Range[count];
        var start = 0;
        for (var i = 0; i < count; i++)
        {
            var size = (documents / count) + (i < documents % count ? 1 : 0);
            parts[i] = start..(start + size);
            start += size;
        }

        return parts;
    }

    /// <summary>
    /// The failure a slice reports when several of its parts failed, as the task weighs them: the database out of
    /// reach first (the task waits without spending an attempt), then a refusal that will not pass (the task
    /// fails), then a failure that may pass (an attempt spent).
    /// </summary>
    public static Exception Failure(IReadOnlyList<Exception> failures)
    {
        ArgumentNullException.ThrowIfNull(failures);
        ArgumentOutOfRangeException.ThrowIfZero(failures.Count);
        return failures.FirstOrDefault(Tasks.TransientFaults.IsDatabaseOutage)
            ?? failures.FirstOrDefault(failure => !Tasks.TransientFaults.IsTransient(failure))
            ?? failures[0];
    }
}
