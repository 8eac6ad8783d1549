namespace OrleansTasks.Tasks.Sources;

/// <summary>
/// Where a streaming source is read up to: every file before <see cref="Path"/> (in
/// <see cref="SourceOrder"/>) is done, and of <see cref="Path"/> itself the bytes before
/// <see cref="Offset"/> (its first <see cref="Line"/> lines), or all of it when <see cref="FileDone"/>.
/// Null as a position means the start of the source.
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansTasks.Tasks.Sources.SourcePosition")]
public sealed record SourcePosition(
    [property: Id(0)] string Path,
    [property: Id(1)] long Offset,
    [property: Id(2)] long Line,
    [property: Id(3)] bool FileDone)
{
    public static SourcePosition Done(string path) => new(path, 0, 0, FileDone: true);
}
