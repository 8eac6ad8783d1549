namespace OrleansTasks.Fuzz;

/// <summary>
/// A source root for the harnesses that read directory sources: a few files, a subdirectory, a
/// link out of the root and a link loop, so that path resolution meets what a hostile path can name.
/// </summary>
internal static class FuzzSite
{
    private static readonly Lazy<string> Created = new(Create);

    public static string SourceRoot => Created.Value;

    private static string Create()
    {
        // A fixed place, so that kept inputs can name it; created once, shared by concurrent runs.
        var root = Path.Combine(Path.GetTempPath(), "orleans-tasks-fuzz-site");
        Directory.CreateDirectory(Path.Combine(root, "docs", "nested"));
        Write(Path.Combine(root, "docs", "a.md"), "# A\nalpha");
        Write(Path.Combine(root, "docs", "b.txt"), "beta");
        Write(Path.Combine(root, "docs", "nested", "c.md"), "gamma");
        Link(Path.Combine(root, "docs", "outside"), "/etc");
        Link(Path.Combine(root, "loop-a"), Path.Combine(root, "loop-b"));
        Link(Path.Combine(root, "loop-b"), Path.Combine(root, "loop-a"));
        return root;
    }

    private static void Write(string path, string text)
    {
        if (!File.Exists(path))
        {
            File.WriteAllText(path, text);
        }
    }

    private static void Link(string path, string target)
    {
        try
        {
            File.CreateSymbolicLink(path, target);
        }
        catch (IOException) when (new FileInfo(path).LinkTarget == target)
        {
            // Made by an earlier run.
        }
    }
}
