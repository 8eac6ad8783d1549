namespace OrleansTasks.Tasks;

/// <summary>The stable error codes a failed task reports in <c>details.code</c>.</summary>
public static class TaskErrors
{
    public const string IndexUnavailable = "index_unavailable";
    public const string DocumentsMissing = "documents_missing";

    public static TaskError IndexFailed(string? documentId) =>
        new(IndexUnavailable, "Indexing failed: the document index could not be written.", documentId);

    public static TaskError Missing() =>
        new(DocumentsMissing, "Indexing failed: the task's stored documents could not be found.");
}
