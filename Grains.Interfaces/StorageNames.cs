namespace OrleansTasks;

/// <summary>Grain storage provider names shared by silos and tests.</summary>
public static class StorageNames
{
    /// <summary>Task state, stored documents and per-document results.</summary>
    public const string Tasks = "tasks";

    /// <summary>Stream subscriptions; the name Orleans streaming looks up.</summary>
    public const string PubSub = "PubSubStore";
}
