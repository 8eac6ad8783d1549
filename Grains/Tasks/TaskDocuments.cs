using System.Collections.Immutable;
using OrleansTasks.Storage;

namespace OrleansTasks.Tasks;

/// <summary>
/// A task's documents: stored in numbered chunks when the task is accepted, read back slice by
/// slice from the task's position. The chunk being read stays in memory.
/// </summary>
public sealed class TaskDocuments(TaskChunkStore<DocumentChunk> store, Guid taskId)
{
    public const int MaxChunkDocuments = 500;
    public const long MaxChunkChars = 2L * 1024 * 1024;

    private int _loadedNumber = -1;
    private DocumentChunk? _loaded;

    /// <summary>Stores <paramref name="documents"/> in chunks; returns the position of each chunk's first document.</summary>
    public async Task<List<int>> StoreAsync(ImmutableArray<IndexDocument> documents)
    {
        var starts = new List<int>();
        foreach (var (start, end) in Chunks(documents))
        {
            await store.WriteAsync(taskId, starts.Count, new DocumentChunk(documents[start..end]));
            starts.Add(start);
        }

        return starts;
    }

    /// <summary>
    /// The next documents from <paramref name="position"/>: at most <paramref name="maxCount"/> and
    /// <see cref="SliceSizer.MaxContentChars"/>, never crossing a chunk; null when the chunk is missing.
    /// </summary>
    public async Task<List<IndexDocument>?> NextSliceAsync(IReadOnlyList<int> chunkStarts, int position, int maxCount)
    {
        ArgumentNullException.ThrowIfNull(chunkStarts);
        var number = LastIndexAtOrBefore(chunkStarts, position);
        if (number != _loadedNumber)
        {
            _loaded = await store.ReadAsync(taskId, number);
            _loadedNumber = number;
        }

        if (_loaded is null)
        {
            return null;
        }

        var offset = position - chunkStarts[number];
        var slice = new List<IndexDocument>(Math.Max(0, Math.Min(maxCount, _loaded.Documents.Length - offset)));
        long chars = 0;
        for (var i = offset; i < _loaded.Documents.Length && slice.Count < maxCount; i++)
        {
            var document = _loaded.Documents[i];
            if (slice.Count > 0 && chars + document.Content.Length > SliceSizer.MaxContentChars)
            {
                break;
            }

            chars += document.Content.Length;
            slice.Add(document);
        }

        return slice;
    }

    public async Task DeleteAsync(int chunkCount)
    {
        for (var number = 0; number < chunkCount; number++)
        {
            await store.DeleteAsync(taskId, number);
        }

        _loadedNumber = -1;
        _loaded = null;
    }

    /// <summary>The chunks <paramref name="documents"/> are stored in, as [start, end) ranges.</summary>
    public static IEnumerable<(int Start, int End)> Chunks(ImmutableArray<IndexDocument> documents)
    {
        var start = 0;
        while (start < documents.Length)
        {
            var end = start;
            long chars = 0;
            while (end < documents.Length && end - start < MaxChunkDocuments
                && (end == start || chars + documents[end].Content.Length <= MaxChunkChars))
            {
                chars += documents[end].Content.Length;
                end++;
            }

            yield return (start, end);
            start = end;
        }
    }

    private static int LastIndexAtOrBefore(IReadOnlyList<int> starts, int position)
    {
        for (var i = starts.Count - 1; i >= 0; i--)
        {
            if (starts[i] <= position)
            {
                return i;
            }
        }

        return -1;
    }
}
