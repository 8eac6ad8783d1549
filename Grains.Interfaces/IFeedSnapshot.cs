namespace OrleansTasks;

/// <summary>
/// What every watchable state published on a stream has in common — a task's or a batch's — so
/// that one socket bridge serves both.
/// </summary>
public interface IFeedSnapshot : IOwned
{
    /// <summary>Grows with every change; a watcher that has seen a <c>seq</c> drops anything at or below it.</summary>
    long Seq { get; }

    /// <summary>0–100; -1 once failed.</summary>
    int Progress { get; }

    /// <summary>True for the last snapshot of its feed: completed, failed or cancelled.</summary>
    bool IsTerminal { get; }
}
