namespace OrleansTasks;

/// <summary>Where task events are published; an internal service subscribes with these and an Orleans client.</summary>
public static class TaskStreams
{
    /// <summary>The stream provider every silo and client registers for task and batch snapshots.</summary>
    public const string ProviderName = "TaskEvents";
    /// <summary>The stream namespace of index tasks.</summary>
    public const string TaskNamespace = "index-task";
    /// <summary>The stream namespace of batches.</summary>
    public const string BatchNamespace = "index-batch";

    /// <summary>The stream an index task publishes its snapshots on.</summary>
    public static StreamId ForTask(Guid taskId) => StreamId.Create(TaskNamespace, taskId);

    /// <summary>The stream a batch publishes its rolled-up snapshots on.</summary>
    public static StreamId ForBatch(Guid batchId) => StreamId.Create(BatchNamespace, batchId);
}
