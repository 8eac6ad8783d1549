namespace OrleansTasks.Tasks;

/// <summary>
/// Resolves paths to their real location, following every symbolic link on the way, so that a
/// directory source can be confined to the configured roots however its path is spelled. Like the
/// kernel (ELOOP), it follows at most <see cref="MaxLinkHops"/> links for one path: links that point
/// at each other, or at their own parent, end in a <see cref="SymbolicLinkLoopException"/> rather
/// than in a resolution that never ends.
/// </summary>
internal static class SourcePathResolver
{
    /// <summary>The most links one resolution follows, as Linux's path walk allows (MAXSYMLINKS).</summary>
    public const int MaxLinkHops = 40;

    public static string RealPath(string path)
    {
        var full = Path.GetFullPath(path);
        for (var hops = 0; ; hops++)
        {
            if (FollowFirstLink(full) is not { } followed)
            {
                return full;
            }

            if (hops == MaxLinkHops)
            {
                throw new SymbolicLinkLoopException(path, MaxLinkHops);
            }

            full = followed;
        }
    }

    public static bool IsUnder(string path, string root)
    {
        var normalizedRoot = root.EndsWith(Path.DirectorySeparatorChar) ? root : root + Path.DirectorySeparatorChar;
        return string.Equals(path, root, StringComparison.Ordinal)
            || path.StartsWith(normalizedRoot, StringComparison.Ordinal);
    }

    /// <summary><paramref name="full"/> with its first symbolic link replaced by the link's target, or null when none of its parts is a link.</summary>
    private static string? FollowFirstLink(string full)
    {
        var root = Path.GetPathRoot(full) ?? "/";
        var parts = full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        var current = root;
        for (var i = 0; i < parts.Length; i++)
        {
            var next = Path.Combine(current, parts[i]);
            FileSystemInfo info = Directory.Exists(next) ? new DirectoryInfo(next) : new FileInfo(next);
            if (info.LinkTarget is { } target)
            {
                var resolved = Path.GetFullPath(Path.IsPathRooted(target) ? target : Path.Combine(current, target));
                return i + 1 == parts.Length ? resolved : Path.Combine([resolved, .. parts[(i + 1)..]]);
            }

            current = next;
        }

        return null;
    }
}
