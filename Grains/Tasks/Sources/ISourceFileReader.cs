namespace OrleansTasks.Tasks.Sources;

/// <summary>
/// The reads a <see cref="SourceCursor"/> makes of a directory source's files (a silo service, so that
/// tests can make a read fail as a disk or a network share does).
/// </summary>
public interface ISourceFileReader
{
    /// <summary>The file's length in bytes.</summary>
    long LengthOf(string path);

    /// <summary>The whole file as UTF-8 text.</summary>
    Task<string> ReadAllTextAsync(string path, CancellationToken cancellationToken);

    /// <summary>The file opened for reading from any offset (a JSON-lines file, read line by line).</summary>
    Stream OpenRead(string path);
}
