namespace OrleansTasks;

/// <summary>
/// Task history, newest first, for users, admins and internal services. Use key 0.
/// Version 1 added <see cref="Counts(string?)"/>.
/// </summary>
[Alias("OrleansTasks.ITaskHistoryGrain"), Orleans.CodeGeneration.Version(1)]
public interface ITaskHistoryGrain : IGrainWithIntegerKey
{
    /// <summary>Throws <see cref="InvalidListRequestException"/> for a malformed cursor, limit or collection filter.</summary>
    [Alias("List")]
    Task<HistoryPage> List(HistoryQuery query);

    /// <summary>How many of <paramref name="ownerId"/>'s tasks (everyone's when null) the history holds in each status.</summary>
    [Alias("Counts")]
    Task<TaskStatusCounts> Counts(string? ownerId);
}
