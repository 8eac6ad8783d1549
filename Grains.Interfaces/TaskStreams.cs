using Orleans.Runtime;

namespace OrleansTasks;

/// <summary>Where task events are published; an internal service subscribes with these and an Orleans client.</summary>
public static class TaskStreams
{
    public const string ProviderName = "TaskEvents";
    public const string TaskNamespace = "index-task";

    public static StreamId ForTask(Guid taskId) => StreamId.Create(TaskNamespace, taskId);
}
