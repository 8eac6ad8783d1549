using System.Text.Json;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// Every launcher of the silo sets the collector's young-generation floor (README, Operations) to the value the tests and the
/// benchmark run silos with: its image, its systemd unit and its launch profile (<c>dotnet run</c>). The gateway's set none:
/// it runs the server collector, whose floor would hold for each of its heaps, one a core. <c>run-cluster.sh</c>'s processes
/// are checked running, in <see cref="RunClusterScriptTests"/>.
/// </summary>
public sealed class YoungGenerationLaunchersTests
{
    private static readonly string Setting = $"{ProcessHost.YoungGenerationVariable}={ProcessHost.ShippedYoungGeneration}";

    [Theory]
    [InlineData("docker/silo.Dockerfile", "ENV ")]
    [InlineData("docker/systemd/orleans-tasks-silo.service", "Environment=")]
    public async Task The_silo_s_image_and_unit_set_the_young_generation(string file, string directive)
    {
        var lines = await File.ReadAllLinesAsync(Path.Combine(RepositoryPaths.Root, file));

        Assert.Contains(directive + Setting, lines);
    }

    [Fact]
    public async Task Dotnet_run_sets_the_silo_s_young_generation()
    {
        var variables = await LaunchProfileVariablesAsync("Silo");

        Assert.Equal(ProcessHost.ShippedYoungGeneration, variables.GetProperty(ProcessHost.YoungGenerationVariable).GetString());
    }

    [Theory]
    [InlineData("docker/gateway.Dockerfile")]
    [InlineData("docker/systemd/orleans-tasks-gateway.service")]
    [InlineData("Gateway/Properties/launchSettings.json")]
    public async Task The_gateway_s_launchers_leave_its_server_collector_s_young_generation_alone(string file)
    {
        var text = await File.ReadAllTextAsync(Path.Combine(RepositoryPaths.Root, file));

        Assert.DoesNotContain(ProcessHost.YoungGenerationVariable, text, StringComparison.Ordinal);
    }

    private static async Task<JsonElement> LaunchProfileVariablesAsync(string project)
    {
        using var settings = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(RepositoryPaths.Root, project, "Properties", "launchSettings.json")));
        return settings.RootElement.GetProperty("profiles").GetProperty(project).GetProperty("environmentVariables").Clone();
    }
}
