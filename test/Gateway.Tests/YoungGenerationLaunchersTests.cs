using System.Text.Json;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// Every launcher the product ships sets the collector's young-generation floor (README, Operations) to the value the tests and
/// the benchmark run the programs with: the images, the systemd units and both launch profiles (<c>dotnet run</c>).
/// <c>run-cluster.sh</c>'s processes are checked running, in <see cref="RunClusterScriptTests"/>.
/// </summary>
public sealed class YoungGenerationLaunchersTests
{
    [Theory]
    [InlineData("docker/silo.Dockerfile", "ENV ")]
    [InlineData("docker/gateway.Dockerfile", "ENV ")]
    [InlineData("docker/systemd/orleans-tasks-silo.service", "Environment=")]
    [InlineData("docker/systemd/orleans-tasks-gateway.service", "Environment=")]
    public async Task An_image_or_unit_sets_the_young_generation(string file, string directive)
    {
        var lines = await File.ReadAllLinesAsync(Path.Combine(RepositoryPaths.Root, file));

        Assert.Contains($"{directive}{ProcessHost.YoungGenerationVariable}={ProcessHost.ShippedYoungGeneration}", lines);
    }

    [Theory]
    [InlineData("Gateway")]
    [InlineData("Silo")]
    public async Task Dotnet_run_sets_the_young_generation(string project)
    {
        using var settings = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(RepositoryPaths.Root, project, "Properties", "launchSettings.json")));

        var profile = settings.RootElement.GetProperty("profiles").GetProperty(project);
        Assert.Equal(ProcessHost.ShippedYoungGeneration, profile.GetProperty("environmentVariables").GetProperty(ProcessHost.YoungGenerationVariable).GetString());
    }
}
