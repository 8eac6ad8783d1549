namespace OrleansTasks.Tasks.Sources;

/// <summary>
/// The next entries of a source, in order, with the position after the last of them; <see cref="Ended"/>
/// when the source has nothing after them; <see cref="CutShort"/> when the source read so far (by the
/// cursor that read them) is not the whole of it up to <see cref="Next"/> (see <see cref="ISourceCursor.CutShort"/>).
/// </summary>
public sealed record SourceSlice(IReadOnlyList<SourceEntry> Entries, SourcePosition? Next, bool Ended, string? CutShort = null);
