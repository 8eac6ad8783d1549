namespace OrleansTasks.Tasks;

/// <summary>Who cancelled a task, in the wire format <c>kind:name</c>.</summary>
public static class CancelledBy
{
    private static readonly string[] Kinds = ["user:", "batch:", "dependency:", "service:"];

    public static string User(string subject) => "user:" + subject;

    public static string Batch(Guid batchId) => "batch:" + batchId;

    public static string Dependency(Guid taskId) => "dependency:" + taskId;

    public static bool IsValid(string? value) =>
        value is { Length: <= 300 }
        && Kinds.Any(kind => value.Length > kind.Length && value.StartsWith(kind, StringComparison.Ordinal));

    /// <summary>Refuses a value that is not one of the kinds followed by a name.</summary>
    public static void Check(string? value)
    {
        if (!IsValid(value))
        {
            throw new InvalidTaskRequestException("cancelled_by", "'cancelled_by' must be user:, batch:, dependency: or service: followed by a name.");
        }
    }
}
