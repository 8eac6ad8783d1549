using OrleansTasks.Tasks.Sources;

namespace OrleansTasks.Grains.Tests.Sources;

/// <summary>A source root on disk for one test: a tree of files written by the test, removed after it.</summary>
public sealed class SourceScratch : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("orleans-tasks-stream-").FullName;

    public SourceScratch()
    {
        Root = Directory.CreateDirectory(Path.Combine(_scratch, "root")).FullName;
        Outside = Directory.CreateDirectory(Path.Combine(_scratch, "outside")).FullName;
    }

    public string Root { get; }

    public string Outside { get; }

    public string Write(string relativePath, string content)
    {
        var path = Path.Combine(Root, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    public SourceLocation Location(string pattern = "*") => SourceLocation.Resolve(new DirectorySource(Root, pattern), [Root]);

    /// <summary>Every entry a cursor from <paramref name="from"/> reads.</summary>
    public static async Task<List<SourceEntry>> ReadAllAsync(SourceLocation location, SourcePosition? from = null, int maxDocumentBytes = 1024 * 1024)
    {
        using var cursor = new SourceCursor(location, from, maxDocumentBytes);
        var entries = new List<SourceEntry>();
        while (await cursor.NextAsync(CancellationToken.None) is { } entry)
        {
            entries.Add(entry);
        }

        return entries;
    }

    public void Dispose() => Directory.Delete(_scratch, recursive: true);
}
