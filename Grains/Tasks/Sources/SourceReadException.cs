namespace OrleansTasks.Tasks.Sources;

/// <summary>
/// A source file's read failed with an I/O error that may pass (a disk or a network share failing for
/// now): its slice is retried by the task's retry policy, as a transient failure of the index is; on
/// the task's last attempt the file fails alone instead (<see cref="SourceCursor"/>). A file that is
/// gone or not readable is no such error: it fails as its document alone, at once.
/// </summary>
public sealed class SourceReadException(string path, Exception inner)
    : Exception($"The source file '{path}' could not be read: {inner.Message}", inner)
{
    /// <summary>The file's path within the source (a whole file's document id).</summary>
    public string Path { get; } = path;

    /// <summary>Whether an error reading a file may pass: any I/O error but a missing file, directory or drive, or a path too long.</summary>
    public static bool IsTransient(Exception exception) =>
        exception is IOException and not (FileNotFoundException or DirectoryNotFoundException or DriveNotFoundException or PathTooLongException);
}
