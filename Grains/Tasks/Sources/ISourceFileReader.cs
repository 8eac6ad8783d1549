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

/// <summary>Reads the files from the silo's file system.</summary>
public sealed class SourceFileReader : ISourceFileReader
{
    public static readonly SourceFileReader Instance = new();

    public long LengthOf(string path) => new FileInfo(path).Length;

    public Task<string> ReadAllTextAsync(string path, CancellationToken cancellationToken) =>
        File.ReadAllTextAsync(path, System.Text.Encoding.UTF8, cancellationToken);

    public Stream OpenRead(string path) =>
        new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1, useAsync: true);
}
