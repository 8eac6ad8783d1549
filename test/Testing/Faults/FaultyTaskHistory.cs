using OrleansTasks.History;

namespace OrleansTasks.Testing.Faults;

/// <summary>A history store that fails the rows of the tasks a <see cref="FaultPlan"/> names.</summary>
public sealed class FaultyTaskHistory(ITaskHistory inner, FaultPlan plan) : ITaskHistory
{
    public Task RecordAsync(TaskSummary summary, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(summary);
        return plan.OnHistory(summary.TaskId) == Fault.None
            ? inner.RecordAsync(summary, cancellationToken)
            : throw FaultPlan.Injected($"history row of {summary.TaskId} failed");
    }

    public Task<HistoryPage> ListAsync(HistoryQuery query, CancellationToken cancellationToken) => inner.ListAsync(query, cancellationToken);

    public Task<TaskStatusCounts> CountAsync(string? ownerId, CancellationToken cancellationToken) => inner.CountAsync(ownerId, cancellationToken);

    public Task<IReadOnlyList<Guid>> EndedBeforeAsync(DateTimeOffset cutoff, int limit, CancellationToken cancellationToken) =>
        inner.EndedBeforeAsync(cutoff, limit, cancellationToken);

    public Task RemoveAsync(Guid taskId, CancellationToken cancellationToken) => inner.RemoveAsync(taskId, cancellationToken);
}
