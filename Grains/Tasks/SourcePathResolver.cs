namespace OrleansTasks.Tasks;

/// <summary>
/// Resolves paths to their real location, following every symbolic link on the way, so that a
/// directory source can be confined to the configured roots however its path is spelled.
/// </summary>
internal static class SourcePathResolver
{
    private const int MaxLinkHops = 40;

    public static string RealPath(string path)
    {
        var full = Path.GetFullPath(path);
        var root = Path.GetPathRoot(full) ?? "/";
        var parts = full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        var current = root;
        var hops = 0;
        for (var i = 0; i < parts.Length; i++)
        {
            var next = Path.Combine(current, parts[i]);
            FileSystemInfo info = Directory.Exists(next) ? new DirectoryInfo(next) : new FileInfo(next);
            if (info.LinkTarget is not null)
            {
                if (++hops > MaxLinkHops)
                {
                    throw new IOException($"Too many symbolic links in '{path}'.");
                }

                var target = info.LinkTarget;
                var resolved = Path.GetFullPath(Path.IsPathRooted(target) ? target : Path.Combine(current, target));
                var rest = parts.Skip(i + 1).ToArray();
                return RealPath(rest.Length == 0 ? resolved : Path.Combine([resolved, .. rest]));
            }

            current = next;
        }

        return current;
    }

    public static bool IsUnder(string path, string root)
    {
        var normalizedRoot = root.EndsWith(Path.DirectorySeparatorChar) ? root : root + Path.DirectorySeparatorChar;
        return string.Equals(path, root, StringComparison.Ordinal)
            || path.StartsWith(normalizedRoot, StringComparison.Ordinal);
    }
}
