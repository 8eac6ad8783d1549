namespace OrleansTasks.Benchmarks.Servers;

/// <summary>Publishes progress events on one task's stream at a set rate, as a running task does.</summary>
public interface ILoadPublisherGrain : IGrainWithGuidKey
{
    /// <summary>Starts publishing; returns at once. A second call replaces the first.</summary>
    Task Start(int eventsPerSecond, TimeSpan duration);
}
