using System.Text;
using OrleansTasks.Tasks;
using OrleansTasks.Tasks.Sources;

namespace OrleansTasks.Fuzz.Harnesses;

/// <summary>
/// Source-path confinement on a tree the input builds: directories, files and symbolic links (to
/// siblings, parents, themselves, the root, a directory outside the root, <c>/etc</c>), then a
/// directory source over one of its directories read as a streaming task reads it. Every file
/// outside the root holds a secret: a document that carries it, a directory or a file path read
/// that is not under the root, or a path read that still runs through a link, is a violation.
/// </summary>
internal sealed class SourcePathHarness : IHarness
{
    private const string Secret = "SECRET-OUTSIDE-THE-ROOT";
    private static readonly string[] Names = ["a", "b", "c", "d.md", "e.md", "f.jsonl"];
    private static readonly Lazy<string> Base = new(CreateBase);

    public string Name => "source-path";

    public string Covers => "SourceLocation (RealPath, link loops, confinement) and SourceCursor over a tree of links the input builds";

    public void Run(byte[] input)
    {
        var (root, outside) = Reset();
        var directories = new List<string> { root };
        var ops = input.Length / 3;
        for (var i = 0; i < ops; i++)
        {
            Apply(input[i * 3], input[(i * 3) + 1], input[(i * 3) + 2], root, outside, directories);
        }

        var pick = input.Length % 3 == 0 ? 0 : input[^1];
        var candidates = directories.Concat(Names.Select(name => Path.Combine(root, name))).ToList();
        var directory = candidates[pick % candidates.Count];
        SourceLocation location;
        try
        {
            location = SourceLocation.Resolve(new DirectorySource(directory, pick % 2 == 0 ? "*" : "*.md"), [root]);
        }
        catch (InvalidTaskRequestException exception) when (exception.Field == "source")
        {
            return;
        }

        Confined(location.Directory, location.Root, "the source directory");
        foreach (var path in SourceFiles.From(location, null).Where(item => !item.IsUnlistedDirectory).Select(item => item.Path).Take(200))
        {
            try
            {
                if (location.Confine(path) is { } real)
                {
                    Confined(real, location.Root, $"the file '{path}'");
                }
            }
            catch (SymbolicLinkLoopException)
            {
                // Never read; the cursor fails this entry alone.
            }
        }

        using var cursor = new SourceCursor(location, null, 4096);
        for (var read = 0; read < 200 && cursor.NextAsync(CancellationToken.None).GetAwaiter().GetResult() is { } entry; read++)
        {
            if (entry.Document?.Content.Contains(Secret, StringComparison.Ordinal) == true)
            {
                throw new InvalidOperationException($"The document '{entry.Id}' was read from outside the root.");
            }
        }
    }

    /// <summary>Throws unless <paramref name="real"/> is under <paramref name="root"/> and none of its parts is a link (what is opened is what was checked).</summary>
    private static void Confined(string real, string root, string what)
    {
        if (!real.StartsWith(root + "/", StringComparison.Ordinal) && real != root)
        {
            throw new InvalidOperationException($"{what} resolved to '{real}', outside the root '{root}'.");
        }

        for (var part = real; part.Length > root.Length; part = Path.GetDirectoryName(part)!)
        {
            if (new FileInfo(part).LinkTarget is { } target)
            {
                throw new InvalidOperationException($"{what} resolved to '{real}', whose part '{part}' is still a link (to '{target}').");
            }
        }
    }

    /// <summary>This process's own tree (harnesses run in parallel processes under afl-fuzz), removed when it exits.</summary>
    private static string CreateBase()
    {
        var path = Directory.CreateTempSubdirectory("orleans-tasks-fuzz-paths-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(path, recursive: true);
        return path;
    }

    private static (string Root, string Outside) Reset()
    {
        var root = Path.Combine(Base.Value, "root");
        var outside = Path.Combine(Base.Value, "outside");
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }

        Directory.CreateDirectory(root);
        if (!Directory.Exists(outside))
        {
            Directory.CreateDirectory(Path.Combine(outside, "a"));
            File.WriteAllText(Path.Combine(outside, "d.md"), Secret);
            File.WriteAllText(Path.Combine(outside, "a", "d.md"), Secret);
            File.WriteAllText(Path.Combine(outside, "f.jsonl"), $$"""{"id":"x","content":"{{Secret}}"}""");
        }

        return (root, outside);
    }

    /// <summary>One step of building the tree: a directory, a file or a link named by <paramref name="name"/> in a directory made so far.</summary>
    private static void Apply(byte kind, byte name, byte target, string root, string outside, List<string> directories)
    {
        var parent = directories[name / Names.Length % directories.Count];
        var path = Path.Combine(parent, Names[name % Names.Length]);
        try
        {
            switch (kind % 3)
            {
                case 0 when directories.Count < 16:
                    Directory.CreateDirectory(path);
                    directories.Add(path);
                    break;
                case 1:
                    File.WriteAllText(path, path.EndsWith(".jsonl", StringComparison.Ordinal) ? "{\"id\":\"in\",\"content\":\"inside\"}\n" : "inside", Encoding.UTF8);
                    break;
                default:
                    File.CreateSymbolicLink(path, LinkTarget(target, root, outside, directories));
                    break;
            }
        }
        catch (IOException)
        {
            // The name is taken, or its parent is a link that leads nowhere: the tree stays as it was.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static string LinkTarget(byte target, string root, string outside, List<string> directories)
    {
        var name = Names[target / 16 % Names.Length];
        return (target % 16) switch
        {
            0 => name,
            1 => "..",
            2 => "../..",
            3 => Path.Combine("..", name),
            4 => Path.Combine("..", "..", "outside", name),
            5 => ".",
            6 => root,
            7 => outside,
            8 => Path.Combine(outside, name),
            9 => "/etc",
            10 => "/",
            11 => Path.Combine(name, name),
            12 => Path.Combine(directories[target / 16 % directories.Count], name),
            13 => Path.Combine(root, "..", "outside", name),
            14 => Path.Combine(".", name, ".."),
            _ => Path.Combine(root, name, name),
        };
    }
}
