namespace OrleansTasks.History;

/// <summary>Where task grains record their summaries and history is read from.</summary>
public interface ITaskHistory
{
    Task RecordAsync(TaskSummary summary, CancellationToken cancellationToken);

    Task<HistoryPage> ListAsync(HistoryQuery query, CancellationToken cancellationToken);

    /// <summary>How many of <paramref name="ownerId"/>'s tasks (everyone's when null) are in each status.</summary>
    Task<TaskStatusCounts> CountAsync(string? ownerId, CancellationToken cancellationToken);

    /// <summary>Up to <paramref name="limit"/> tasks that ended before <paramref name="cutoff"/>, oldest first.</summary>
    Task<IReadOnlyList<Guid>> EndedBeforeAsync(DateTimeOffset cutoff, int limit, CancellationToken cancellationToken);

    Task RemoveAsync(Guid taskId, CancellationToken cancellationToken);
}
