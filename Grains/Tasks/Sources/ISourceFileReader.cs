namespace OrleansTasks.Tasks.Sources;

/// <summary>
/// The reads a directory source's walk and <see cref="SourceCursor"/> make of its directories and
/// files (a silo service, so that tests can make a listing or a read fail as a disk or a network
/// share does).
/// </summary>
public interface ISourceFileReader
{
    /// <summary>The entries of the directory, in no particular order.</summary>
    IReadOnlyList<SourceDirectoryEntry> List(string directory);

    /// <summary>Whether the directory is a symbolic link (a lookup of its own, made only for the directories the walk enters).</summary>
    bool IsLink(string directory);

    /// <summary>The file's length in bytes.</summary>
    long LengthOf(string path);

    /// <summary>The whole file as UTF-8 text.</summary>
    Task<string> ReadAllTextAsync(string path, CancellationToken cancellationToken);

    /// <summary>The file opened for reading from any offset (a JSON-lines file, read line by line).</summary>
    Stream OpenRead(string path);
}
