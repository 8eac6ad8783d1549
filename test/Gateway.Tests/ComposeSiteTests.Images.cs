using OrleansTasks.Gateway.Tests.Docker;

namespace OrleansTasks.Gateway.Tests;

/// <summary>What the air-gapped site runs on: only images it built, rotated logs, private keys and users readable by their user only.</summary>
public sealed partial class ComposeSiteTests
{
    /// <summary>build-base-images.sh's two tags and the three images compose builds (README's up, tag latest).</summary>
    private static readonly string[] SiteImages =
    [
        "orleans-tasks/runtime-base:local", "orleans-tasks/postgres:local",
        "orleans-tasks/silo:latest", "orleans-tasks/gateway:latest", "orleans-tasks/nginx:latest",
    ];

    /// <summary>The user the silo and gateway images run as (USER in their Dockerfiles), who alone reads the users file and the cluster key.</summary>
    private const string ContainerUser = "1654";

    /// <summary>
    /// Nothing pulled: every image the engine holds is one the site built (a pulled image would carry
    /// its registry's name; layers of a build have none), and PostgreSQL runs the local image.
    /// </summary>
    private static async Task Nothing_was_pulled_and_postgres_runs_the_local_image(ComposeSite site)
    {
        var images = (await site.DockerOrFailAsync("images", "--format", "{{.Repository}}:{{.Tag}}"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var postgres = (await site.ContainersAsync("postgres")).Single();

        Assert.All(images, image => Assert.True(image.StartsWith("orleans-tasks/", StringComparison.Ordinal) || image == "<none>:<none>",
            $"the engine holds {image}, which the site did not build; all: {string.Join(", ", images)}"));
        Assert.Subset(images.ToHashSet(), SiteImages.ToHashSet());
        Assert.Equal("orleans-tasks/postgres:local", await site.InspectAsync(postgres, "{{.Config.Image}}"));
    }

    /// <summary>Every container of the site, the one-shot migration's too, logs through json-file rotated at 10 MB, 5 files (x-logging).</summary>
    private static async Task Every_container_logs_through_the_rotated_json_file_driver(ComposeSite site)
    {
        var containers = (await site.DockerOrFailAsync("ps", "-aq", "--filter", $"label=com.docker.compose.project={ComposeSite.Project}"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(containers.Length >= 7, $"the site has {containers.Length} containers, not postgres, migrate, 2 silos, 2 gateways and nginx");
        foreach (var container in containers)
        {
            var logging = await site.InspectAsync(container,
                "{{.Name}} {{.HostConfig.LogConfig.Type}} {{index .HostConfig.LogConfig.Config \"max-size\"}} {{index .HostConfig.LogConfig.Config \"max-file\"}}");
            Assert.EndsWith(" json-file 10m 5", logging, StringComparison.Ordinal);
        }
    }

    /// <summary>A file holding secrets as README's scripts leave it: mode 0600, and owned by <paramref name="owner"/> when given.</summary>
    private static async Task AssertPrivateAsync(string file, string? owner = null)
    {
        var mode = (await CommandLine.RunOrFailAsync("stat", ["-c", "%a %u", file], new Dictionary<string, string>(), TimeSpan.FromSeconds(30))).Trim();
        Assert.True(mode.StartsWith("600 ", StringComparison.Ordinal) && (owner is null || mode == $"600 {owner}"),
            $"{file} has mode and owner '{mode}', not 600{(owner is null ? "" : " and " + owner)}");
    }

    /// <summary>make-certificates.sh's keys: every one 0600, the cluster key owned by the containers' user, who reads it (the TLS site starting proves it).</summary>
    private static async Task The_certificates_private_keys_are_readable_by_their_user_only(string tls)
    {
        await AssertPrivateAsync(Path.Combine(tls, "ca", "ca.key"));
        await AssertPrivateAsync(Path.Combine(tls, "cluster", "cluster.key"), ContainerUser);
        await AssertPrivateAsync(Path.Combine(tls, "site", "site.key"));
    }
}
