namespace OrleansTasks.Tasks.Sources;

/// <summary>
/// A <see cref="DirectorySource"/> checked against <see cref="TasksOptions.SourceRoots"/>: the real
/// directory it names (every symbolic link followed; links that loop are refused) and the root it lies under. Any directory that
/// leaves the roots, by <c>..</c>, an absolute path or a symbolic link, is refused.
/// </summary>
public sealed record SourceLocation(string Directory, string Root, string Pattern)
{
    private const string Field = "source";

    /// <summary>File names ending in one of these hold one document per line.</summary>
    public static bool IsJsonLines(string path) =>
        path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".ndjson", StringComparison.OrdinalIgnoreCase);

    private static string? ResolvableRoot(string root)
    {
        try
        {
            return SourcePathResolver.RealPath(root);
        }
        catch (SymbolicLinkLoopException)
        {
            return null;
        }
    }

    /// <summary>Checks <paramref name="source"/>; throws <see cref="InvalidTaskRequestException"/> naming what is wrong.</summary>
    public static SourceLocation Resolve(DirectorySource source, IReadOnlyCollection<string> sourceRoots)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(sourceRoots);
        if (sourceRoots.Count == 0)
        {
            throw new InvalidTaskRequestException(Field, "Directory sources are not enabled on this server (Tasks:SourceRoots is empty).");
        }

        // A root whose links came to loop after the start (it is checked then) holds nothing that can be read: nothing is under it.
        var roots = sourceRoots.Select(ResolvableRoot).OfType<string>().ToArray();

        ValidatePattern(source.Pattern);
        if (string.IsNullOrWhiteSpace(source.Directory) || !Path.IsPathFullyQualified(source.Directory))
        {
            throw new InvalidTaskRequestException(Field, "'source.directory' must be an absolute path under one of the server's source roots.");
        }

        string directory;
        try
        {
            directory = SourcePathResolver.RealPath(source.Directory);
        }
        catch (SymbolicLinkLoopException)
        {
            throw new InvalidTaskRequestException(Field, $"The symbolic links in 'source.directory' loop (more than {SourcePathResolver.MaxLinkHops} followed).");
        }

        var root = roots.FirstOrDefault(r => SourcePathResolver.IsUnder(directory, r))
            ?? throw new InvalidTaskRequestException(Field, "'source.directory' is outside the server's source roots.");
        if (!System.IO.Directory.Exists(directory))
        {
            throw new InvalidTaskRequestException(Field, $"The directory '{source.Directory}' does not exist.");
        }

        return new SourceLocation(directory, root, source.Pattern);
    }

    /// <summary>
    /// The real path of the file at <paramref name="relativePath"/>, or null when a link takes it outside
    /// the root; throws <see cref="SymbolicLinkLoopException"/> when its links loop.
    /// </summary>
    public string? Confine(string relativePath)
    {
        var real = SourcePathResolver.RealPath(Path.Combine(Directory, relativePath));
        return SourcePathResolver.IsUnder(real, Root) ? real : null;
    }

    private static void ValidatePattern(string? pattern)
    {
        if (string.IsNullOrWhiteSpace(pattern) || pattern.Length > 128
            || pattern.Contains('/') || pattern.Contains('\\') || pattern.Contains("..", StringComparison.Ordinal))
        {
            throw new InvalidTaskRequestException(Field, "'source.pattern' must be a file-name pattern such as '*.md', without path separators.");
        }
    }
}
