namespace OrleansTasks.Tasks.Sources;

/// <summary>
/// The next entries of a source, in order, with the position after the last of them; <see cref="Ended"/>
/// when the source has nothing after them.
/// </summary>
public sealed record SourceSlice(IReadOnlyList<SourceEntry> Entries, SourcePosition? Next, bool Ended);
