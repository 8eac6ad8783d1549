using OrleansTasks.Indexing;

namespace OrleansTasks.Tasks.Sources;

/// <summary>
/// <c>delete_missing</c>: a task's pass over its source records the document id of every entry it
/// reads — a failed entry too when its id is known, so that a file that cannot be read now keeps its
/// document — before the position after them is kept. Once the whole source has been read, the
/// collection's documents with none of those ids are removed, a bounded step per grain turn, each step
/// storing its cursor and count with its deletions (<see cref="IDocumentIndex.DeleteUnseenAsync"/>), so
/// that a run resumed after a crash goes on where it was, removing nothing twice and counting each
/// removal once. A pass that was not a complete, error-free reading of the source (a directory that
/// could not be listed, a line whose id could not be known) or that read nothing removes nothing,
/// and says why (<see cref="TaskSource.DeleteSkipped"/>). A run that fails or is cancelled never
/// reaches the end of its source, so it never removes anything.
/// </summary>
public sealed class MissingDocuments(IDocumentIndex index, Guid taskId, int batchSize = MissingDocuments.BatchSize)
{
    /// <summary>Documents of the collection one removal step goes through: one statement well inside the database's statement limit.</summary>
    public const int BatchSize = 2_000;

    public const string NothingReadReason =
        "the source held no documents, and an empty source (a directory whose volume is not mounted looks empty) never empties a collection";

    /// <summary>Records the ids <paramref name="slice"/>'s entries stand for, when the task removes missing documents and still may.</summary>
    public Task RecordAsync(TaskSource source, SourceSlice slice)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(slice);
        if (!source.DeleteMissing || source.DeleteSkipped is not null || slice.CutShort is not null)
        {
            return Task.CompletedTask;
        }

        // Even with no id to keep: the record marks the pass as started, which its removal requires.
        string[] ids = [.. slice.Entries.Select(entry => entry.SeenId).OfType<string>().Distinct(StringComparer.Ordinal)];
        return slice.Entries.Count > 0 ? index.RecordSeenAsync(taskId, ids, CancellationToken.None) : Task.CompletedTask;
    }

    /// <summary>Takes a slice's verdict on the pass into <paramref name="source"/> (in memory: the caller persists it with the slice's position).</summary>
    public static void TakeVerdict(TaskSource source, SourceSlice slice)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(slice);
        if (source.DeleteMissing && slice.CutShort is { } reason)
        {
            source.DeleteSkipped ??= "the source was not read whole: " + reason;
        }
    }

    /// <summary>
    /// One step of the removal, when it is due: its count so far and whether it is over go into
    /// <paramref name="source"/> (in memory: the caller persists). A skipped removal is over at once.
    /// </summary>
    public async Task RemoveNextAsync(string collection, long read, TaskSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (!source.RemovalDue)
        {
            return;
        }

        if (read == 0)
        {
            source.DeleteSkipped ??= NothingReadReason;
        }

        if (source.DeleteSkipped is not null)
        {
            source.RemovalDone = true;
            return;
        }

        var step = await index.DeleteUnseenAsync(collection, taskId, batchSize, CancellationToken.None);
        source.Deleted = step.Deleted;
        source.RemovalDone = step.Done;
    }

    /// <summary>Forgets the ids recorded for the task and its removal's cursor (once it has ended, or is purged).</summary>
    public Task ForgetAsync(TaskSource? source) =>
        source is { DeleteMissing: true } ? index.ForgetSeenAsync(taskId, CancellationToken.None) : Task.CompletedTask;
}
