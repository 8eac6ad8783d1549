using System.Text.RegularExpressions;
using OrleansTasks.Gateway.Tests.Docker;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>README's three commands of the air-gapped path and its scaling command, read from README.md and run on the site.</summary>
public sealed partial class ComposeSiteTests
{
    private const string AirGappedHeading = "### Without registry access (air-gapped)";
    private const string ScalingHeading = "### Scaling, health and stopping";

    /// <summary>README runs the base images' script as root keeping DOCKER_HOST; the test runs as root already (and no sudo need be installed).</summary>
    private const string ReadmeComposeFile = "-f docker/compose.yaml";

    private const string Sudo = "sudo --preserve-env=DOCKER_HOST ";

    /// <summary>README's three commands as (the base images, the site's settings, up), with the site's env file for <c>docker/site.env</c>.</summary>
    private static (string BaseImages, string NewSite, string Up) ThreeCommands(ComposeSite site)
    {
        var blocks = ReadmeCommands.Under(AirGappedHeading);
        Assert.True(blocks.Count == 1, $"README's air-gapped path has {blocks.Count} shell blocks, not one (its three commands)");
        var lines = blocks[0].Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 3, $"README's air-gapped path is {lines.Length} commands, not three:\n{blocks[0]}");
        Assert.StartsWith(Sudo + "docker/build-base-images.sh", lines[0], StringComparison.Ordinal);
        Assert.Contains("docker/new-site.sh --local-images " + ReadmeEnvFile, lines[1], StringComparison.Ordinal);
        Assert.Contains(ReadmeComposeFile, lines[2], StringComparison.Ordinal);
        Assert.Contains(" up ", lines[2], StringComparison.Ordinal);
        return (lines[0][Sudo.Length..], ForTheSite(lines[1], site), ForTheSite(lines[2], site));
    }

    /// <summary>
    /// README's command with the site's env file for <c>docker/site.env</c> (which puts the users file
    /// beside it, in the engine's directory) and the test's health-check intervals added to the compose
    /// file, as every later command of the site has them (a difference would recreate the containers).
    /// </summary>
    private static string ForTheSite(string command, ComposeSite site) => command
        .Replace(ReadmeEnvFile, site.EnvFile, StringComparison.Ordinal)
        .Replace(ReadmeComposeFile, $"{ReadmeComposeFile} -f {site.HealthChecksFile}", StringComparison.Ordinal);

    /// <summary>The password README's first user is given (<c>echo '...' | docker/new-site.sh</c>).</summary>
    private static string ReadmePassword(string newSite)
    {
        var match = EchoedPassword().Match(newSite);
        Assert.True(match.Success, $"README's new-site.sh command takes no password from echo: {newSite}");
        return match.Groups[1].Value;
    }

    /// <summary>
    /// README's scaling command on the running site: every service's health check passes for 3 silos
    /// and 3 gateways, the cluster counts 3 silos, and nginx sends sockets to each of the 3 gateways
    /// (its log names the gateway each went to).
    /// </summary>
    private static async Task Scaled_by_the_README_s_command_every_new_member_serves(ComposeSite site, HttpClient http, int port)
    {
        var blocks = ReadmeCommands.Under(ScalingHeading);
        Assert.True(blocks.Count >= 1 && blocks[0].Contains("--scale silo=3 --scale gateway=3", StringComparison.Ordinal), $"README's scaling block is not the first under '{ScalingHeading}'");
        await site.ShellOrFailAsync(blocks[0]);
        await WaitUntilReadyAsync(site, http, silos: 3, gateways: 3);

        var addresses = new HashSet<string>();
        foreach (var gateway in await site.RunningContainersAsync("gateway"))
        {
            addresses.Add(await site.AddressAsync(gateway));
        }

        var taskId = await TaskRequests.CreateAsync(http, TaskRequests.Body(20));
        var nginx = (await site.RunningContainersAsync("nginx")).Single();
        var seen = new HashSet<string>();
        await Eventually.TrueAsync($"nginx to send sockets to each of the gateways {string.Join(", ", addresses)}", async () =>
        {
            await using (var socket = await ConnectAsync(port, http, taskId))
            {
                await socket.ReceiveAsync(TimeSpan.FromSeconds(30));
            }

            foreach (Match line in SocketLogLine().Matches(await site.LogsAsync(nginx)))
            {
                seen.Add(line.Groups[1].Value);
            }

            return addresses.IsSubsetOf(seen);
        }, TimeSpan.FromMinutes(1));
    }

    [GeneratedRegex(@"^echo '([^']+)' \|")]
    private static partial Regex EchoedPassword();

    /// <summary>nginx's socket log (ws_without_query): "GET /ws/task/..." 101, bytes, the gateway it went to.</summary>
    [GeneratedRegex(@"""GET /ws/task/\S+"" 101 \d+ (\d+\.\d+\.\d+\.\d+):8800$", RegexOptions.Multiline)]
    private static partial Regex SocketLogLine();
}
