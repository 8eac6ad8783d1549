using Orleans.Concurrency;
using OrleansTasks.Tasks;

namespace OrleansTasks.History;

[StatelessWorker, GrainType("task-history")]
public sealed class TaskHistoryGrain(ITaskHistory history) : Grain, ITaskHistoryGrain
{
    public Task<HistoryPage> List(HistoryQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Limit is < 1 or > HistoryQuery.MaxLimit)
        {
            throw new InvalidListRequestException("limit", $"'limit' must be between 1 and {HistoryQuery.MaxLimit}.");
        }

        if (query.Collection is not null && !TaskRequestValidator.IsValidCollection(query.Collection))
        {
            throw new InvalidListRequestException("collection", "'collection' must name a collection.");
        }

        return history.ListAsync(query, CancellationToken.None);
    }

    public Task<TaskStatusCounts> Counts(string? ownerId) => history.CountAsync(ownerId, CancellationToken.None);
}
