namespace OrleansTasks.Tasks.Sources;

/// <summary>
/// A JSON line read: its document, or the problem that fails it. <see cref="Id"/> is the document id the
/// line names, when it names a valid one; <see cref="IdUnknown"/> when the line could not be read far
/// enough to tell which document it stands for.
/// </summary>
public sealed record ParsedLine(IndexDocument? Document, string? Problem, string? Id, bool IdUnknown)
{
    public static ParsedLine Unknown(string problem) => new(null, problem, null, IdUnknown: true);
}
