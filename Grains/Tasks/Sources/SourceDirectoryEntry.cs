namespace OrleansTasks.Tasks.Sources;

/// <summary>
/// One entry of a listed source directory: its name, and whether it is a directory (one reached through a symbolic link
/// too: whether it is a link is looked up only for the directories the walk enters, see <see cref="ISourceFileReader.IsLink"/>).
/// A file's links are followed when it is read, and confined to the roots then.
/// </summary>
public readonly record struct SourceDirectoryEntry(string Name, bool IsDirectory);
