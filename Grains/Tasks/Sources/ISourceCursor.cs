namespace OrleansTasks.Tasks.Sources;

/// <summary>Reads a streaming source's entries one at a time from a position (a directory tree, an upload).</summary>
public interface ISourceCursor : IDisposable
{
    /// <summary>The position after the last entry read (or skipped): where a new cursor would go on.</summary>
    SourcePosition? Position { get; }

    /// <summary>The next entry, or null when the source has no more.</summary>
    Task<SourceEntry?> NextAsync(CancellationToken cancellationToken);
}
