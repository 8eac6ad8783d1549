namespace OrleansTasks;

/// <summary>Where task events are published; an internal service subscribes with these and an Orleans client.</summary>
public static class TaskStreams
{
    public const string ProviderName = "TaskEvents";
    public const string TaskNamespace = "index-task";
    public const string BatchNamespace = "index-batch";

    public static StreamId ForTask(Guid taskId) => StreamId.Create(TaskNamespace, taskId);

    public static StreamId ForBatch(Guid batchId) => StreamId.Create(BatchNamespace, batchId);
}
