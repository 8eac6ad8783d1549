namespace OrleansTasks.Benchmarks.Servers;

/// <summary>Publishes one task's changes on its owner's feed at a set rate, as a running task does.</summary>
public interface IOwnerFeedLoadGrain : IGrainWithGuidKey
{
    /// <summary>Starts publishing; returns at once. A second call replaces the first.</summary>
    Task Start(int changesPerSecond, TimeSpan duration);

    /// <summary>The <c>seq</c> of the last change published, or the task's own before any.</summary>
    Task<long> LastSeq();
}
