namespace OrleansTasks.Tasks.Sources;

/// <summary>
/// One entry of a listed source directory: its name, whether it is a directory, and whether it is a
/// symbolic link. <see cref="IsLink"/> is looked up for directories only (the walk leaves linked
/// directories out); a file's links are followed when it is read, and confined to the roots then.
/// </summary>
public readonly record struct SourceDirectoryEntry(string Name, bool IsDirectory, bool IsLink);
