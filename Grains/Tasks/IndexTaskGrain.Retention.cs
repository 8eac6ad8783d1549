namespace OrleansTasks.Tasks;

/// <summary>Purging an ended task: everything it stored goes, its history row last; the indexed documents stay in the index.</summary>
public sealed partial class IndexTaskGrain
{
    public async Task<bool> Purge()
    {
        if (!S.Accepted)
        {
            // Gone already, but for its history row (an earlier purge failed after the clear).
            await history.RemoveAsync(TaskId, CancellationToken.None);
            return true;
        }

        if (!S.Status.IsTerminal())
        {
            return false;
        }

        // The history row goes last: retention finds a task only through it, so a purge that
        // fails midway is found and finished by the next sweep.
        await _run.Documents.DeleteAsync(S.DocumentChunkStarts.Count);
        await _run.Results.DeleteAsync(S);
        await _run.Missing.ForgetAsync(S.Source);
        if (S.Source?.Upload is { } upload)
        {
            // Retention keeps an upload while a kept task reads it (a retry reads it again).
            await uploads.RemoveReaderAsync(upload, TaskId, CancellationToken.None);
        }

        await _lease.ReleaseAsync();
        await _task.ClearAsync();
        await history.RemoveAsync(TaskId, CancellationToken.None);
        Log.Purged(logger, TaskId);
        DeactivateOnIdle();
        return true;
    }
}
