using Orleans.Storage;

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

        for (var number = 0; number < S.DocumentChunkStarts.Count; number++)
        {
            await chunks.Documents.DeleteAsync(TaskId, number);
        }

        for (var number = 0; number < S.ResultChunkCount; number++)
        {
            await chunks.Results.DeleteAsync(TaskId, number);
        }

        await history.RemoveAsync(TaskId, CancellationToken.None);
        await ReleaseLeaseAsync();
        await Durable.ClearAsync(new IndexTaskState());
        _published = null;
        _resultChunks.Clear();
        Log.Purged(logger, TaskId);
        DeactivateOnIdle();
        return true;
    }
}
