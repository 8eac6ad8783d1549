namespace OrleansTasks.History;

/// <summary>Where task grains record their summaries and history is read from.</summary>
public interface ITaskHistory
{
    Task RecordAsync(TaskSummary summary, CancellationToken cancellationToken);

    Task<HistoryPage> ListAsync(HistoryQuery query, CancellationToken cancellationToken);
}
