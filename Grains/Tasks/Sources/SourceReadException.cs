namespace OrleansTasks.Tasks.Sources;

/// <summary>
/// A source file's read, or a source directory's listing, failed with an I/O error that may pass (a
/// disk or a network share failing for now): its slice (or counting turn) is retried by the task's
/// retry policy, as a transient failure of the index is; on the task's last attempt the file fails
/// alone, or the directory becomes one failed entry standing for its files, instead (<see cref="SourceCursor"/>,
/// <see cref="SourceFiles"/>). A file or directory that is gone or not readable is no such error: the
/// file fails as its document alone, the directory is left out, at once.
/// </summary>
public sealed class SourceReadException : Exception
{
    private SourceReadException(string path, bool isDirectory, Exception inner)
        : base(isDirectory ? $"The source directory '{path}' could not be listed: {inner.Message}" : $"The source file '{path}' could not be read: {inner.Message}", inner)
    {
        Path = path;
        IsDirectory = isDirectory;
    }

    /// <summary>The file's path within the source (a whole file's document id), or the directory's ('.' for the source's own).</summary>
    public string Path { get; }

    /// <summary>Whether a directory's listing failed rather than a file's read.</summary>
    public bool IsDirectory { get; }

    /// <summary>What failed, for people: <c>the source file 'a/b.md' could not be read</c>, <c>the source directory 'a' could not be listed</c>.</summary>
    public string Reason => IsDirectory ? $"the source directory '{Path}' could not be listed" : $"the source file '{Path}' could not be read";

    /// <summary>A file's read failed.</summary>
    public static SourceReadException Reading(string path, Exception inner) => new(path, isDirectory: false, inner);

    /// <summary>A directory's listing failed.</summary>
    public static SourceReadException Listing(string directory, Exception inner) => new(directory, isDirectory: true, inner);

    /// <summary>Whether an error reading a file or listing a directory may pass: any I/O error but a missing file, directory or drive, or a path too long.</summary>
    public static bool IsTransient(Exception exception) =>
        exception is IOException and not (FileNotFoundException or DirectoryNotFoundException or DriveNotFoundException or PathTooLongException);
}
