namespace OrleansTasks.Tasks.Sources;

/// <summary>
/// Where a streaming source is read up to: every file before <see cref="Path"/> (in
/// <see cref="SourceOrder"/>) is done, and of <see cref="Path"/> itself the bytes before
/// <see cref="Offset"/> (its first <see cref="Line"/> lines), or all of it when <see cref="FileDone"/>.
/// Null as a position means the start of the source. A <see cref="Path"/> whose last segment is <see cref="PastEveryName"/>
/// names a directory whose whole subtree is done (<see cref="AfterDirectory"/>).
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansTasks.Tasks.Sources.SourcePosition")]
public sealed record SourcePosition(
    [property: Id(0)] string Path,
    [property: Id(1)] long Offset,
    [property: Id(2)] long Line,
    [property: Id(3)] bool FileDone)
{
    public static SourcePosition Done(string path) => new(path, 0, 0, FileDone: true);

    /// <summary>
    /// The position after the whole of a directory (its path within the source, '.' for the source's own): a walk resumed
    /// there neither lists it nor goes into it. <see cref="Done"/> of a directory's path would go back into it.
    /// </summary>
    public static SourcePosition AfterDirectory(string directory) =>
        new(directory == "." ? PastEveryName : directory + "/" + PastEveryName, 0, 0, FileDone: true);

    /// <summary>
    /// The last segment of an <see cref="AfterDirectory"/> position: a noncharacter, ordered after every name, so that a
    /// walk of an earlier build (which knows no such position) also passes the whole directory rather than read it.
    /// </summary>
    public const string PastEveryName = "\uFFFF";
}
