using System.Collections.Immutable;
using OrleansTasks.Storage;

namespace OrleansTasks.Tasks;

/// <summary>Reading a task's per-document outcomes, page by page, and the preview its end carries.</summary>
public sealed partial class IndexTaskGrain
{
    private readonly List<ResultChunk?> _resultChunks = [];

    public async Task<TaskResultPage> GetResults(int offset, int limit, DocumentOutcome? outcome = null)
    {
        if (offset < 0 || limit is < 1 or > 1000)
        {
            throw new InvalidTaskRequestException("limit", "'offset' must be 0 or more and 'limit' between 1 and 1000.");
        }

        var items = ImmutableArray.CreateBuilder<DocumentResult>(limit);
        var skipped = 0;
        await foreach (var result in AllResultsAsync())
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

    private async IAsyncEnumerable<DocumentResult> AllResultsAsync()
    {
        for (var number = 0; number < S.ResultChunkCount; number++)
        {
            var chunk = number < _resultChunks.Count ? _resultChunks[number] : null;
            if (chunk is null)
            {
                chunk = await chunks.Results.ReadAsync(TaskId, number)
                    ?? throw new InvalidOperationException($"Result chunk {number} of task {TaskId} is missing.");
                SetCachedResultChunk(number, chunk);
            }

            foreach (var result in chunk.Results)
            {
                yield return result;
            }
        }
    }

    private void SetCachedResultChunk(int number, ResultChunk chunk)
    {
        while (_resultChunks.Count <= number)
        {
            _resultChunks.Add(null);
        }

        _resultChunks[number] = chunk;
    }

    private async Task<TaskResultPreview> BuildPreviewAsync()
    {
        var failed = new List<DocumentResult>();
        var others = new List<DocumentResult>();
        var total = 0;
        await foreach (var result in AllResultsAsync())
        {
            total++;
            var bucket = result.Outcome == DocumentOutcome.Failed ? failed : others;
            if (bucket.Count < TaskResultPreview.MaxDetails)
            {
                bucket.Add(result);
            }
        }

        var details = failed.Concat(others).Take(TaskResultPreview.MaxDetails).ToImmutableArray();
        return new TaskResultPreview(details, total > details.Length);
    }
}
