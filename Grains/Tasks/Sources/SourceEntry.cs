namespace OrleansTasks.Tasks.Sources;

/// <summary>
/// One document read from a source, or the failure that stands for it (an unreadable file, a bad
/// line), and the position right after it.
/// </summary>
public sealed record SourceEntry(string Id, IndexDocument? Document, string? Problem, SourcePosition After)
{
    public DocumentResult Failure => new(Id, DocumentOutcome.Failed, Problem);

    /// <summary>For a failed entry, the id of the document it stands for, when known and one a document can have.</summary>
    public string? FailedDocumentId { get; init; }

    /// <summary>Whether the failed entry stands for a directory the walk gave up listing (its <see cref="Id"/> the directory's path), not a document.</summary>
    public bool IsUnlistedDirectory { get; init; }

    /// <summary>The document id a <c>delete_missing</c> pass counts as seen: the document read, or the one a failed entry stands for.</summary>
    public string? SeenId => Document?.Id ?? FailedDocumentId;
}
