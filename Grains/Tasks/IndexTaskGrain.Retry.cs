using Microsoft.Extensions.Logging;

namespace OrleansTasks.Tasks;

/// <summary>
/// Retrying an ended task: its failed and unprocessed documents become a new task whose id is derived
/// from this one, created before the link is recorded here. A call interrupted between the two (a
/// failed write, a crash) finds the new task on its next try and records the link then, so a task is
/// retried by at most one task.
/// </summary>
public sealed partial class IndexTaskGrain
{
    public async Task<IndexTaskSnapshot> Retry(string requestedBy, Guid requestId, Guid? batchId = null)
    {
        CancelledBy.Check(requestedBy);
        if (TaskRetries.Refusal(S, requestId) is { } refused)
        {
            throw refused;
        }

        var retry = GrainFactory.GetGrain<IIndexTaskGrain>(TaskRetries.IdOf(TaskId));
        if (S.RetryLinks?.RetriedBy is { } retriedBy)
        {
            // The same request again (a client's retry after an error): it answers the retry it made, unless
            // retention has purged that since.
            return await retry.GetSnapshot()
                ?? throw new RetryRefusedException(RetryRefusal.AlreadyRetried, $"The task was retried by task {retriedBy}, since purged.", retriedBy);
        }

        if (TaskRetries.WhileUpgrading(ServiceProvider) is { } upgrading)
        {
            throw upgrading;
        }

        var dependencies = new List<Guid>(S.DependsOn.Count);
        foreach (var dependency in S.DependsOn)
        {
            dependencies.Add(await TaskRetries.LatestRetryAsync(GrainFactory, dependency));
        }

        // A streaming task's retry reads its whole source again; what is unchanged is skipped.
        var request = S.Source is { } source
            ? TaskRetries.Request(TaskId, S, [], dependencies, batchId) with { Source = source.Upload is null ? source.Spec : null, Upload = source.Upload, DeleteMissing = source.DeleteMissing }
            : TaskRetries.Request(TaskId, S, await RetryDocumentsAsync(), dependencies, batchId);
        var started = await retry.Start(request);
        await _task.CommitAsync(next => TaskRetries.Link(next, started.TaskId, requestId));
        Log.Retried(logger, TaskId, started.TaskId, requestedBy, started.Total);
        return started;
    }

    /// <summary>The documents the retry of a task with stored documents runs: stored ones, or for a directory source read whole (before sources streamed) their files as they are now.</summary>
    private async Task<List<IndexDocument>> RetryDocumentsAsync()
    {
        var positions = await TaskRetries.PositionsAsync(S, _run.Results.AllAsync(S));
        if (positions.Count == 0)
        {
            throw TaskRetries.NothingToRetry();
        }

        var documents = await _run.Documents.ReadAtAsync(S, positions) ?? throw TaskRetries.DocumentsGone();
        if (S.RetryLinks?.Source is { } source)
        {
            try
            {
                documents = TaskRetries.Refresh(documents, await sourceReader.ReadAsync(source, CancellationToken.None));
            }
            catch (InvalidTaskRequestException exception)
            {
                throw TaskRetries.SourceUnreadable(exception.Message);
            }

            if (documents.Count == 0)
            {
                throw TaskRetries.NothingToRetry();
            }
        }

        return documents;
    }

    private static partial class Log
    {
        [LoggerMessage(40, LogLevel.Information, "Task {TaskId} retried by task {RetryId} at the request of {RequestedBy}: {Documents} document(s) run again")]
        public static partial void Retried(ILogger logger, Guid taskId, Guid retryId, string requestedBy, int documents);
    }
}
