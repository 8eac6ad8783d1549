using OrleansTasks.Indexing;

namespace OrleansTasks.Tasks.Sources;

/// <summary>
/// <c>delete_missing</c>: a task's pass over its source records the id of every entry it reads — a
/// failed entry too, so that a file that cannot be read now keeps its document — before the position
/// after them is kept, and once the whole source has been read the collection's documents with none
/// of those ids are removed from the index. The removal happens once, its count kept by the index
/// with it (<see cref="IDocumentIndex.DeleteUnseenAsync"/>), so that a run resumed after a crash in
/// between gets the same count and removes nothing more. A run that fails or is cancelled never
/// reaches the end of its source, so it never removes anything.
/// </summary>
public sealed class MissingDocuments(IDocumentIndex index, Guid taskId)
{
    /// <summary>Records the ids of <paramref name="slice"/>'s entries when the task removes missing documents.</summary>
    public Task RecordAsync(TaskSource source, SourceSlice slice)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(slice);
        return source.DeleteMissing && slice.Entries.Count > 0
            ? index.RecordSeenAsync(taskId, [.. slice.Entries.Select(entry => entry.Id)], CancellationToken.None)
            : Task.CompletedTask;
    }

    /// <summary>Removes what the source no longer holds, when it is due, and keeps the count in <paramref name="source"/> (in memory: the caller persists).</summary>
    public async Task DeleteIfDueAsync(string collection, TaskSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.DeletionDue)
        {
            source.Deleted = await index.DeleteUnseenAsync(collection, taskId, CancellationToken.None);
        }
    }

    /// <summary>Forgets the ids recorded for the task, once its count is stored with the task (or the task is purged).</summary>
    public Task ForgetAsync(TaskSource? source) =>
        source is { DeleteMissing: true } ? index.ForgetSeenAsync(taskId, CancellationToken.None) : Task.CompletedTask;
}
