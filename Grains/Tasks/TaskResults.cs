using System.Collections.Immutable;
using OrleansTasks.Storage;

namespace OrleansTasks.Tasks;

/// <summary>
/// A task's per-document outcomes: one stored chunk per slice (a small task keeps them in its state
/// instead), read back page by page and summed up in the preview a completed task carries. The
/// chunks last read or written stay in memory, at most <see cref="MaxCachedChunks"/> of them, so that
/// a task of millions of documents does not hold its outcomes.
/// </summary>
public sealed class TaskResults(IResultChunks store, Guid taskId)
{
    public const int MaxPageSize = 1000;

    public const int MaxCachedChunks = 64;

    private readonly Dictionary<int, ResultChunk> _cached = [];

    /// <summary>
    /// Writes chunk <paramref name="number"/>, the outcomes of one slice, replacing one a redone slice
    /// left but never one of a newer activation (see <see cref="ResultChunk.Fence"/>).
    /// </summary>
    public async Task WriteAsync(int number, ResultChunk chunk)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        await store.WriteAsync(taskId, number, chunk);
        Cache(number, chunk);
    }

    /// <summary>
    /// Taken up by a new activation that read <paramref name="storedReservation"/> (the task's
    /// <c>SeqReservedUpTo</c> as storage had it): from now on no chunk of an earlier activation, whose
    /// fence is at most that reservation, is written.
    /// </summary>
    public Task FenceOffEarlierActivationsAsync(long storedReservation) =>
        store.RaiseFenceAsync(taskId, storedReservation + 1);

    /// <summary>A page of the outcomes <paramref name="task"/> has recorded, optionally of one outcome only.</summary>
    public async Task<TaskResultPage> PageAsync(IndexTaskState task, int offset, int limit, DocumentOutcome? outcome)
    {
        if (offset < 0 || limit is < 1 or > MaxPageSize)
        {
            throw new InvalidTaskRequestException("limit", "'offset' must be 0 or more and 'limit' between 1 and 1000.");
        }

        var items = ImmutableArray.CreateBuilder<DocumentResult>(limit);
        var skipped = 0;
        await foreach (var result in AllAsync(task))
        {
            if (outcome is not null && result.Outcome != outcome)
            {
                continue;
            }

            if (skipped < offset)
            {
                skipped++;
                continue;
            }

            if (items.Count == limit)
            {
                return new TaskResultPage(items.ToImmutable(), offset + limit);
            }

            items.Add(result);
        }

        return new TaskResultPage(items.ToImmutable(), null);
    }

    /// <summary>The preview of a completed task: failures first, then the others, up to <see cref="TaskResultPreview.MaxDetails"/>, read only as far as needed.</summary>
    public async Task<TaskResultPreview> PreviewAsync(IndexTaskState task)
    {
        ArgumentNullException.ThrowIfNull(task);
        var failed = new List<DocumentResult>();
        var others = new List<DocumentResult>();
        var total = 0;

        // Read only as far as the preview needs: a task of millions of documents has as many outcomes.
        var failedWanted = Math.Min(task.Counts.Failed, TaskResultPreview.MaxDetails);
        await foreach (var result in AllAsync(task))
        {
            total++;
            var bucket = result.Outcome == DocumentOutcome.Failed ? failed : others;
            if (bucket.Count < TaskResultPreview.MaxDetails)
            {
                bucket.Add(result);
            }

            if (failed.Count >= failedWanted && failed.Count + others.Count >= TaskResultPreview.MaxDetails)
            {
                break;
            }
        }

        var details = failed.Concat(others).Take(TaskResultPreview.MaxDetails).ToImmutableArray();
        return new TaskResultPreview(details, Math.Max(total, task.Current) > details.Length);
    }

    public async Task DeleteAsync(IndexTaskState task)
    {
        ArgumentNullException.ThrowIfNull(task);
        await store.DeleteAsync(taskId, task.ResultChunkCount);
    }

    /// <summary>Every outcome <paramref name="task"/> has recorded, in document order.</summary>
    public async IAsyncEnumerable<DocumentResult> AllAsync(IndexTaskState task)
    {
        ArgumentNullException.ThrowIfNull(task);
        foreach (var result in task.InlineResults ?? [])
        {
            yield return result;
        }

        for (var number = 0; number < task.ResultChunkCount; number++)
        {
            if (!_cached.TryGetValue(number, out var chunk))
            {
                chunk = await store.ReadAsync(taskId, number)
                    ?? throw new InvalidOperationException($"Result chunk {number} of task {taskId} is missing.");
                Cache(number, chunk);
            }

            foreach (var result in chunk.Results)
            {
                yield return result;
            }
        }
    }

    private void Cache(int number, ResultChunk chunk)
    {
        if (_cached.Count >= MaxCachedChunks && !_cached.ContainsKey(number))
        {
            _cached.Clear();
        }

        _cached[number] = chunk;
    }
}
