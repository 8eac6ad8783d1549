using System.Collections.Immutable;
using System.Text;
using Microsoft.Extensions.Options;
using OrleansTasks.Tasks.Sources;

namespace OrleansTasks.Tasks;

/// <summary>
/// Reads the files a <see cref="DirectorySource"/> names into documents, all at once, confined to
/// <see cref="TasksOptions.SourceRoots"/>: what a retry of a task accepted before sources streamed
/// reads again (a new task streams its source, see <see cref="SourceRun"/>). Any path that leaves the
/// roots, by <c>..</c>, an absolute path or a symbolic link, rejects the whole source before a single
/// file is read.
/// </summary>
public sealed class DirectorySourceReader(IOptions<TasksOptions> options)
{
    private const string Field = "source";

    public async Task<ImmutableArray<IndexDocument>> ReadAsync(DirectorySource source, CancellationToken cancellationToken)
    {
        var limits = options.Value;
        var location = SourceLocation.Resolve(source, limits.SourceRoots);
        var files = ListFiles(location, limits.MaxDocuments);
        var documents = ImmutableArray.CreateBuilder<IndexDocument>(files.Count);
        foreach (var (path, id) in files)
        {
            if (Sources.SourceFileKind.NotRegular(path) is { } kind)
            {
                throw new InvalidTaskRequestException(Field, $"The file '{id}' is not a regular file ({kind}); it was not read.");
            }

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

    private static List<(string Path, string Id)> ListFiles(SourceLocation location, int maxDocuments)
    {
        var enumeration = new EnumerationOptions
        {
            RecurseSubdirectories = true,
            MatchType = MatchType.Simple,
            IgnoreInaccessible = false,
            AttributesToSkip = FileAttributes.Hidden | FileAttributes.System,
        };
        var files = new List<(string, string)>();
        foreach (var path in Directory.EnumerateFiles(location.Directory, location.Pattern, enumeration))
        {
            var relative = Path.GetRelativePath(location.Directory, path);
            var real = ConfineOrRefuse(location, relative);
            if (files.Count == maxDocuments)
            {
                throw new InvalidTaskRequestException(Field, $"The source matches more than {maxDocuments} files, the most one task holds.");
            }

            files.Add((real, relative.Replace(Path.DirectorySeparatorChar, '/')));
        }

        if (files.Count == 0)
        {
            throw new InvalidTaskRequestException(Field, "No file in the directory matches the pattern.");
        }

        files.Sort((a, b) => string.CompareOrdinal(a.Item2, b.Item2));
        return files;
    }

    private static string ConfineOrRefuse(SourceLocation location, string relative)
    {
        try
        {
            return location.Confine(relative)
                ?? throw new InvalidTaskRequestException(Field, $"'{relative}' links outside the server's source roots.");
        }
        catch (SymbolicLinkLoopException)
        {
            throw new InvalidTaskRequestException(Field, $"The symbolic links of '{relative}' loop (more than {SourcePathResolver.MaxLinkHops} followed).");
        }
    }
}
