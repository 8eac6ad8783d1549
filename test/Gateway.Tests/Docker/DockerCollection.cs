namespace OrleansTasks.Gateway.Tests.Docker;

/// <summary>The compose site test loads both cores for minutes with image builds and containers: it runs alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DockerCollection
{
    public const string Name = "docker";
}
