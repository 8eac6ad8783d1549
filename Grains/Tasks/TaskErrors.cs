namespace OrleansTasks.Tasks;

/// <summary>The stable error codes a failed task reports in <c>details.code</c>.</summary>
public static class TaskErrors
{
    public const string IndexUnavailable = "index_unavailable";
    public const string DocumentsMissing = "documents_missing";
    public const string DependencyFailedCode = "dependency_failed";
    public const string DependencyMissingCode = "dependency_missing";
    public const string TimeoutCode = "timeout";
    public const string RetriesExhaustedCode = "retries_exhausted";

    public static TaskError IndexFailed(string? documentId) =>
        new(IndexUnavailable, "Indexing failed: the document index could not be written.", documentId);

    public static TaskError DependencyFailed(Guid dependency) =>
        new(DependencyFailedCode, $"Not run: task {dependency}, which this task depends on, failed.", DependencyId: dependency);

    public static TaskError DependencyMissing(Guid dependency) =>
        new(DependencyMissingCode, $"Not run: task {dependency}, which this task depends on, no longer exists.", DependencyId: dependency);

    public static TaskError TimedOut(TimeSpan limit) =>
        new(TimeoutCode, $"The task did not end within its time limit of {System.Xml.XmlConvert.ToString(limit)} after its start.");

    public static TaskError RetriesExhausted(int attempts, string reason) =>
        new(RetriesExhaustedCode, $"Indexing failed after {attempts} attempts: {reason}.");

    public static TaskError Missing() =>
        new(DocumentsMissing, "Indexing failed: the task's stored documents could not be found.");
}
