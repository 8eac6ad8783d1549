namespace OrleansTasks;

/// <summary>What a cancel request did.</summary>
[GenerateSerializer, Alias("OrleansTasks.CancelOutcome")]
public enum CancelOutcome
{
    /// <summary>The task was running, queued or waiting and is now cancelled.</summary>
    Cancelled = 0,

    /// <summary>The task had already ended; nothing changed.</summary>
    AlreadyEnded = 1,

    /// <summary>No task has this id.</summary>
    NotFound = 2,
}
