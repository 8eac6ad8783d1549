namespace OrleansTasks.Tasks;

/// <summary>Purging an ended task: everything it stored goes, the indexed documents stay in the index.</summary>
public sealed partial class IndexTaskGrain
{
    public async Task<bool> Purge()
    {
        if (!S.Accepted)
        {
            return true;
        }

        if (!S.Status.IsTerminal())
        {
            return false;
        }

        await _run.Documents.DeleteAsync(S.DocumentChunkStarts.Count);
        await _run.Results.DeleteAsync(S);
        await history.RemoveAsync(TaskId, CancellationToken.None);
        await _lease.ReleaseAsync();
        await _task.ClearAsync();
        Log.Purged(logger, TaskId);
        DeactivateOnIdle();
        return true;
    }
}
