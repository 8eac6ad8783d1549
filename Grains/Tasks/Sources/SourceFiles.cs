using System.IO.Enumeration;

namespace OrleansTasks.Tasks.Sources;

/// <summary>
/// The files of a source matching its pattern, as relative paths in <see cref="SourceOrder"/>, walked
/// lazily from a position: only the directories on the way are listed, one at a time. Hidden entries
/// (names starting with '.') and directories reached through a symbolic link are left out, so the walk
/// stays inside the tree and ends.
/// </summary>
public static class SourceFiles
{
    /// <summary>The matching files at or after <paramref name="from"/> (null: from the start).</summary>
    public static IEnumerable<string> From(SourceLocation location, string? from)
    {
        ArgumentNullException.ThrowIfNull(location);
        return Walk(location.Directory, "", location.Pattern, from?.Split('/'), 0);
    }

    private static IEnumerable<string> Walk(string directory, string prefix, string pattern, string[]? from, int depth)
    {
        FileSystemInfo[] entries;
        try
        {
            entries = new DirectoryInfo(directory).GetFileSystemInfos();
        }
        catch (Exception exception) when (exception is DirectoryNotFoundException or UnauthorizedAccessException)
        {
            // A directory removed or closed to the server while the task runs holds no more files.
            yield break;
        }

        Array.Sort(entries, (a, b) => string.CompareOrdinal(a.Name, b.Name));
        foreach (var entry in entries)
        {
            var onPath = false;
            if (from is not null && depth < from.Length)
            {
                var order = string.CompareOrdinal(entry.Name, from[depth]);
                if (order < 0)
                {
                    continue;
                }

                onPath = order == 0;
            }

            if (entry.Name.StartsWith('.'))
            {
                continue;
            }

            var relative = prefix + entry.Name;
            if (entry is DirectoryInfo subdirectory)
            {
                if (subdirectory.LinkTarget is null)
                {
                    foreach (var file in Walk(subdirectory.FullName, relative + "/", pattern, onPath ? from : null, depth + 1))
                    {
                        yield return file;
                    }
                }
            }
            else if (FileSystemName.MatchesSimpleExpression(pattern, entry.Name))
            {
                yield return relative;
            }
        }
    }
}
