namespace OrleansTasks.Tasks.Sources;

/// <summary>Lists the directories and reads the files from the silo's file system.</summary>
public sealed class SourceFileReader : ISourceFileReader
{
    public static readonly SourceFileReader Instance = new();

    public IReadOnlyList<SourceDirectoryEntry> List(string directory) =>
        [.. new DirectoryInfo(directory).GetFileSystemInfos().Select(entry => new SourceDirectoryEntry(entry.Name, entry is DirectoryInfo))];

    // A readlink: on Unix a listed entry's attributes would cost a stat each, so this is asked only of the directories entered.
    public bool IsLink(string directory) => new DirectoryInfo(directory).LinkTarget is not null;

    public long LengthOf(string path) => new FileInfo(path).Length;

    public Task<string> ReadAllTextAsync(string path, CancellationToken cancellationToken) =>
        File.ReadAllTextAsync(path, System.Text.Encoding.UTF8, cancellationToken);

    public Stream OpenRead(string path) =>
        new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1, useAsync: true);
}
