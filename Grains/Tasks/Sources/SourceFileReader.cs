namespace OrleansTasks.Tasks.Sources;

/// <summary>Lists the directories and reads the files from the silo's file system.</summary>
public sealed class SourceFileReader : ISourceFileReader
{
    public static readonly SourceFileReader Instance = new();

    public IReadOnlyList<SourceDirectoryEntry> List(string directory) =>
        [.. new DirectoryInfo(directory).GetFileSystemInfos().Select(entry => entry is DirectoryInfo subdirectory
            ? new SourceDirectoryEntry(entry.Name, IsDirectory: true, IsLink: subdirectory.LinkTarget is not null)
            : new SourceDirectoryEntry(entry.Name, IsDirectory: false, IsLink: false))];

    public long LengthOf(string path) => new FileInfo(path).Length;

    public Task<string> ReadAllTextAsync(string path, CancellationToken cancellationToken) =>
        File.ReadAllTextAsync(path, System.Text.Encoding.UTF8, cancellationToken);

    public Stream OpenRead(string path) =>
        new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1, useAsync: true);
}
