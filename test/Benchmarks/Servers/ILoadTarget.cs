namespace OrleansTasks.Benchmarks.Servers;

/// <summary>What a server under load does for the generator: make things to watch and publish on them.</summary>
internal interface ILoadTarget
{
    Task<Guid[]> CreateTopicsAsync(int count);

    Task StartPublishingAsync(IReadOnlyList<Guid> topics, int eventsPerSecond, TimeSpan duration);
}
