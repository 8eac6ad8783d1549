namespace OrleansTasks.Indexing;

/// <summary>What an upsert did to one document in the index.</summary>
public enum IndexWrite
{
    /// <summary>The content was new or changed and was written.</summary>
    Written,

    /// <summary>The same content was already indexed by another task; nothing was written.</summary>
    Unchanged,

    /// <summary>The same content was written earlier by this same task (a resumed run); nothing was written.</summary>
    AlreadyWrittenByThisTask,
}
