namespace OrleansTasks;

/// <summary>
/// The durable retention job (key 0): every sweep it purges tasks that ended more than
/// <c>Tasks:RetentionDays</c> ago, with their documents, results and history. Running tasks are never touched.
/// </summary>
[Alias("OrleansTasks.IRetentionGrain")]
public interface IRetentionGrain : IGrainWithIntegerKey
{
    /// <summary>Makes sure the job's reminder is registered; every silo calls it at start.</summary>
    [Alias("Start")]
    Task Start();

    /// <summary>Purges the tasks that ended before <paramref name="cutoff"/>; returns how many were purged.</summary>
    [Alias("PurgeEndedBefore")]
    Task<int> PurgeEndedBefore(DateTimeOffset cutoff);
}
