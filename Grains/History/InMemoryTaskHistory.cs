using System.Collections.Immutable;

namespace OrleansTasks.History;

/// <summary>The task history of embedded mode: in memory, ordered newest first, lost on restart like everything else there.</summary>
public sealed class InMemoryTaskHistory : ITaskHistory
{
    private readonly Lock _lock = new();
    private readonly Dictionary<Guid, TaskSummary> _tasks = [];
    private readonly SortedSet<(long Ticks, Guid TaskId)> _newestFirst = new(Comparer<(long Ticks, Guid TaskId)>.Create(
        (a, b) => a.Ticks != b.Ticks ? b.Ticks.CompareTo(a.Ticks) : b.TaskId.CompareTo(a.TaskId)));

    public Task RecordAsync(TaskSummary summary, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(summary);
        lock (_lock)
        {
            if (_tasks.TryGetValue(summary.TaskId, out var known) && !HistoryRows.Supersedes(summary, known))
            {
                return Task.CompletedTask;
            }

            _tasks[summary.TaskId] = summary;
            _newestFirst.Add((summary.CreatedAt.UtcTicks, summary.TaskId));
        }

        return Task.CompletedTask;
    }

    public Task<HistoryPage> ListAsync(HistoryQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var after = HistoryCursor.Decode(query.Cursor);
        var items = ImmutableArray.CreateBuilder<TaskSummary>(query.Limit);
        lock (_lock)
        {
            var view = after is { } cursor
                ? _newestFirst.GetViewBetween((cursor.CreatedAt.UtcTicks, cursor.TaskId), _newestFirst.Max).Skip(1)
                : _newestFirst;
            foreach (var (_, taskId) in view)
            {
                var task = _tasks[taskId];
                if (!Matches(task, query))
                {
                    continue;
                }

                if (items.Count == query.Limit)
                {
                    var last = items[^1];
                    return Task.FromResult(new HistoryPage(items.ToImmutable(), new HistoryCursor(last.CreatedAt, last.TaskId).Encode()));
                }

                items.Add(task);
            }
        }

        return Task.FromResult(new HistoryPage(items.ToImmutable(), null));
    }

    public Task<TaskStatusCounts> CountAsync(string? ownerId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(StatusTally.Of(_tasks.Values
                .Where(task => ownerId is null || task.OwnerId == ownerId)
                .CountBy(task => task.Status)
                .Select(counted => (counted.Key, counted.Value))));
        }
    }

    public Task<IReadOnlyList<Guid>> EndedBeforeAsync(DateTimeOffset cutoff, int limit, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IReadOnlyList<Guid> ended = [.. _tasks.Values
                .Where(task => task.FinishedAt < cutoff)
                .OrderBy(task => task.FinishedAt)
                .Take(limit)
                .Select(task => task.TaskId)];
            return Task.FromResult(ended);
        }
    }

    public Task RemoveAsync(Guid taskId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_tasks.Remove(taskId, out var removed))
            {
                _newestFirst.Remove((removed.CreatedAt.UtcTicks, taskId));
            }
        }

        return Task.CompletedTask;
    }

    private static bool Matches(TaskSummary task, HistoryQuery query) =>
        (query.OwnerId is null || task.OwnerId == query.OwnerId)
        && (query.Status is null || task.Status == query.Status)
        && (query.Collection is null || task.Collection == query.Collection)
        && (query.CreatedFrom is null || task.CreatedAt >= query.CreatedFrom)
        && (query.CreatedBefore is null || task.CreatedAt < query.CreatedBefore);
}
