using System.Collections.Immutable;
using OrleansTasks.Storage;

namespace OrleansTasks.Tasks;

/// <summary>
/// A task's documents: stored in numbered chunks when the task is accepted (a small task's are kept
/// in its state instead), read back slice by slice from the task's position. The chunk being read
/// stays in memory.
/// </summary>
public sealed class TaskDocuments(TaskChunkStore<DocumentChunk> store, Guid taskId)
{
    public const int MaxChunkDocuments = 500;
    public const long MaxChunkChars = 2L * 1024 * 1024;

    /// <summary>
    /// The most documents a task may have to keep them in its state. Such a task takes a slice or
    /// two, so its state carries them through a few writes, where chunks would cost a write and a
    /// read of their own.
    /// </summary>
    public const int MaxInlineDocuments = 100;

    /// <summary>The most characters (ids, titles and contents together) a task's documents may hold to be kept in its state.</summary>
    public const long MaxInlineChars = 32 * 1024;

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

    /// <summary>Whether <paramref name="documents"/> are few and small enough to be kept in the task's state.</summary>
    public static bool FitInline(ImmutableArray<IndexDocument> documents) =>
        documents.Length <= MaxInlineDocuments && documents.Sum(document => (long)document.Content.Length + (document.Title?.Length ?? 0) + document.Id.Length) <= MaxInlineChars;

    /// <summary>
    /// The next documents of <paramref name="task"/> from its position: at most <paramref name="maxCount"/>
    /// and <see cref="SliceSizer.MaxContentChars"/>, never crossing a chunk; null when the chunk is missing.
    /// </summary>
    public async Task<List<IndexDocument>?> NextSliceAsync(IndexTaskState task, int maxCount)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (task.InlineDocuments is { } inline)
        {
            return Slice(inline, task.Current, maxCount);
        }

        var number = LastIndexAtOrBefore(task.DocumentChunkStarts, task.Current);
        if (number != _loadedNumber)
        {
            _loaded = await store.ReadAsync(taskId, number);
            _loadedNumber = number;
        }

        return _loaded is null ? null : Slice(_loaded.Documents, task.Current - task.DocumentChunkStarts[number], maxCount);
    }

    /// <summary>
    /// The documents of <paramref name="task"/> at <paramref name="positions"/> (ascending), or null when
    /// any of them is no longer stored (a chunk is missing, or a completed small task dropped them).
    /// </summary>
    public async Task<List<IndexDocument>?> ReadAtAsync(IndexTaskState task, IReadOnlyList<int> positions)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(positions);
        if (task.IsInline)
        {
            return task.InlineDocuments is { } inline && positions.All(position => position < inline.Count)
                ? [.. positions.Select(position => inline[position])]
                : null;
        }

        var found = new List<IndexDocument>(positions.Count);
        foreach (var position in positions)
        {
            var number = LastIndexAtOrBefore(task.DocumentChunkStarts, position);
            if (number < 0)
            {
                return null;
            }

            if (number != _loadedNumber)
            {
                _loaded = await store.ReadAsync(taskId, number);
                _loadedNumber = number;
            }

            var offset = position - task.DocumentChunkStarts[number];
            if (_loaded is null || offset >= _loaded.Documents.Length)
            {
                return null;
            }

            found.Add(_loaded.Documents[offset]);
        }

        return found;
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

    private static List<IndexDocument> Slice(IReadOnlyList<IndexDocument> documents, int offset, int maxCount)
    {
        var slice = new List<IndexDocument>(Math.Max(0, Math.Min(maxCount, documents.Count - offset)));
        long chars = 0;
        for (var i = offset; i < documents.Count && slice.Count < maxCount; i++)
        {
            var document = documents[i];
            if (slice.Count > 0 && chars + document.Content.Length > SliceSizer.MaxContentChars)
            {
                break;
            }

            chars += document.Content.Length;
            slice.Add(document);
        }

        return slice;
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

    private static int LastIndexAtOrBefore(List<int> starts, int position)
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
