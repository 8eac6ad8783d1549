namespace OrleansTasks.Tasks.Sources;

/// <summary>Reads a streaming source's entries one at a time from a position (a directory tree, an upload).</summary>
public interface ISourceCursor : IDisposable
{
    /// <summary>The position after the last entry read (or skipped): where a new cursor would go on.</summary>
    SourcePosition? Position { get; }

    /// <summary>
    /// Why what this cursor has read is not the whole of the source up to its position, or null: a part
    /// of a directory tree it could not list, an entry whose document id could not be known. A
    /// <c>delete_missing</c> pass that met one removes nothing.
    /// </summary>
    string? CutShort { get; }

    /// <summary>The next entry, or null when the source has no more.</summary>
    Task<SourceEntry?> NextAsync(CancellationToken cancellationToken);
}
