using System.Collections.Immutable;
using System.Text;
using Microsoft.Extensions.Options;

namespace OrleansTasks.Tasks;

/// <summary>
/// Reads the files a <see cref="DirectorySource"/> names into documents, confined to
/// <see cref="TasksOptions.SourceRoots"/>. Any path that leaves the roots, by <c>..</c>, an absolute
/// path or a symbolic link, rejects the whole source before a single file is read.
/// </summary>
public sealed class DirectorySourceReader(IOptions<TasksOptions> options)
{
    private const string Field = "source";

    public async Task<ImmutableArray<IndexDocument>> ReadAsync(DirectorySource source, CancellationToken cancellationToken)
    {
        var limits = options.Value;
        var roots = limits.SourceRoots.Select(SourcePathResolver.RealPath).ToArray();
        if (roots.Length == 0)
        {
            throw new InvalidTaskRequestException(Field, "Directory sources are not enabled on this server (Tasks:SourceRoots is empty).");
        }

        ValidatePattern(source.Pattern);
        if (string.IsNullOrWhiteSpace(source.Directory) || !Path.IsPathFullyQualified(source.Directory))
        {
            throw new InvalidTaskRequestException(Field, "'source.directory' must be an absolute path under one of the server's source roots.");
        }

        var directory = SourcePathResolver.RealPath(source.Directory);
        var root = roots.FirstOrDefault(r => SourcePathResolver.IsUnder(directory, r))
            ?? throw new InvalidTaskRequestException(Field, "'source.directory' is outside the server's source roots.");
        if (!Directory.Exists(directory))
        {
            throw new InvalidTaskRequestException(Field, $"The directory '{source.Directory}' does not exist.");
        }

        var files = ListFiles(directory, source.Pattern, root, limits.MaxDocuments);
        var documents = ImmutableArray.CreateBuilder<IndexDocument>(files.Count);
        foreach (var (path, id) in files)
        {
            var length = new FileInfo(path).Length;
            if (length > limits.MaxDocumentBytes)
            {
                throw new InvalidTaskRequestException(Field, $"The file '{id}' is larger than {limits.MaxDocumentBytes} bytes.");
            }

            var content = await File.ReadAllTextAsync(path, Encoding.UTF8, cancellationToken);
            documents.Add(new IndexDocument(id, Path.GetFileNameWithoutExtension(path), content));
        }

        return documents.MoveToImmutable();
    }

    private static List<(string Path, string Id)> ListFiles(string directory, string pattern, string root, int maxDocuments)
    {
        var enumeration = new EnumerationOptions
        {
            RecurseSubdirectories = true,
            MatchType = MatchType.Simple,
            IgnoreInaccessible = false,
            AttributesToSkip = FileAttributes.Hidden | FileAttributes.System,
        };
        var files = new List<(string, string)>();
        foreach (var path in Directory.EnumerateFiles(directory, pattern, enumeration))
        {
            var real = SourcePathResolver.RealPath(path);
            if (!SourcePathResolver.IsUnder(real, root))
            {
                throw new InvalidTaskRequestException(Field, $"'{Path.GetRelativePath(directory, path)}' links outside the server's source roots.");
            }

            if (files.Count == maxDocuments)
            {
                throw new InvalidTaskRequestException(Field, $"The source matches more than {maxDocuments} files, the most one task holds.");
            }

            files.Add((real, Path.GetRelativePath(directory, path).Replace(Path.DirectorySeparatorChar, '/')));
        }

        if (files.Count == 0)
        {
            throw new InvalidTaskRequestException(Field, "No file in the directory matches the pattern.");
        }

        files.Sort((a, b) => string.CompareOrdinal(a.Item2, b.Item2));
        return files;
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
