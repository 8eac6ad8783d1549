namespace OrleansTasks;

/// <summary>Task history, newest first, for users, admins and internal services. Use key 0.</summary>
[Alias("OrleansTasks.ITaskHistoryGrain")]
public interface ITaskHistoryGrain : IGrainWithIntegerKey
{
    /// <summary>Throws <see cref="InvalidListRequestException"/> for a malformed cursor, limit or collection filter.</summary>
    [Alias("List")]
    Task<HistoryPage> List(HistoryQuery query);
}
