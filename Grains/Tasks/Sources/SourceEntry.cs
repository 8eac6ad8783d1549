namespace OrleansTasks.Tasks.Sources;

/// <summary>
/// One document read from a source, or the failure that stands for it (an unreadable file, a bad
/// line), and the position right after it.
/// </summary>
public sealed record SourceEntry(string Id, IndexDocument? Document, string? Problem, SourcePosition After)
{
    public DocumentResult Failure => new(Id, DocumentOutcome.Failed, Problem);
}
