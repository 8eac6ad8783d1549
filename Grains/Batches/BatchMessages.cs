using System.Globalization;

namespace OrleansTasks.Batches;

/// <summary>The human-readable <c>message</c> of a batch.</summary>
internal static class BatchMessages
{
    public static string For(TaskGroupProgress rollup, string? cancelledBy, string? interrupted)
    {
        var tasks = rollup.Tasks;
        if (interrupted is not null)
        {
            return interrupted;
        }

        if (cancelledBy is not null)
        {
            return tasks.Unfinished == 0 ? "Cancelled by " + cancelledBy : "Cancelling: requested by " + cancelledBy;
        }

        return rollup.Status switch
        {
            IndexTaskStatus.Completed => string.Create(CultureInfo.InvariantCulture,
                $"All {tasks.Total} tasks completed: {rollup.Documents.Processed} documents, {rollup.Documents.Indexed} indexed, {rollup.Documents.Unchanged} unchanged, {rollup.Documents.Failed} failed"),
            IndexTaskStatus.Failed => string.Create(CultureInfo.InvariantCulture,
                $"{tasks.Failed} of {tasks.Total} tasks failed, {tasks.Cancelled} cancelled, {tasks.Completed} completed"),
            IndexTaskStatus.Cancelled => string.Create(CultureInfo.InvariantCulture,
                $"{tasks.Cancelled} of {tasks.Total} tasks cancelled, {tasks.Completed} completed"),
            _ => string.Create(CultureInfo.InvariantCulture,
                $"{tasks.Completed + tasks.Failed + tasks.Cancelled}/{tasks.Total} tasks done, {rollup.Current}/{rollup.Total} documents"),
        };
    }

    public const string CreationInterrupted = "Creating the batch was interrupted; the tasks already created were cancelled";
}
