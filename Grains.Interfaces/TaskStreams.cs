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

    /// <summary>The stream namespace of the per-owner feeds of task changes.</summary>
    public const string OwnerNamespace = "owner-tasks";
    /// <summary>The stream namespace of the cluster-wide feed of task changes.</summary>
    public const string EveryoneNamespace = "all-tasks";

    /// <summary>The stream namespace of the per-owner feeds of batch and schedule changes.</summary>
    public const string OwnerListsNamespace = "owner-lists";
    /// <summary>The stream namespace of the cluster-wide feed of batch and schedule changes.</summary>
    public const string EveryoneListsNamespace = "all-lists";

    /// <summary>The stream every task of <paramref name="ownerId"/> publishes a <see cref="TaskSummary"/> of its changes on.</summary>
    public static StreamId ForOwner(string ownerId) => StreamId.Create(OwnerNamespace, ownerId);

    /// <summary>The stream every task publishes a <see cref="TaskSummary"/> of its changes on, for admins.</summary>
    public static StreamId ForEveryone() => StreamId.Create(EveryoneNamespace, "all");

    /// <summary>
    /// The stream every batch and schedule of <paramref name="ownerId"/> publishes its changes on, as
    /// <see cref="IOwnerFeedItem"/>: apart from the tasks' stream, so that its subscribers, which
    /// take <see cref="TaskSummary"/> only, never meet another type.
    /// </summary>
    public static StreamId ForOwnerLists(string ownerId) => StreamId.Create(OwnerListsNamespace, ownerId);

    /// <summary>The stream every batch and schedule publishes its changes on, for admins.</summary>
    public static StreamId ForEveryoneLists() => StreamId.Create(EveryoneListsNamespace, "all");

    /// <summary>The stream an index task publishes its snapshots on.</summary>
    public static StreamId ForTask(Guid taskId) => StreamId.Create(TaskNamespace, taskId);

    /// <summary>The stream a batch publishes its rolled-up snapshots on.</summary>
    public static StreamId ForBatch(Guid batchId) => StreamId.Create(BatchNamespace, batchId);
}
