namespace OrleansTasks.Tasks.Sources;

/// <summary>
/// What a directory source's walk meets, in <see cref="SourceOrder"/>: a file matching the pattern, or a directory it gave up
/// listing (an I/O error at the task's last attempt, see <see cref="SourceFiles"/>), which stands in the walk for the files it
/// may hold. Either is named by its path within the source ('.' for the source's own directory).
/// </summary>
public readonly record struct SourceWalkItem(string Path, bool IsUnlistedDirectory = false)
{
    /// <summary>The position right after it: after the file, or after the directory's whole subtree, never inside it.</summary>
    public SourcePosition After => IsUnlistedDirectory ? SourcePosition.AfterDirectory(Path) : SourcePosition.Done(Path);
}
