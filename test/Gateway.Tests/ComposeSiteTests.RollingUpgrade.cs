using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using OrleansTasks.Gateway.Tests.Docker;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>README's rolling upgrade: its commands read from README.md and run on the site under a watched task.</summary>
public sealed partial class ComposeSiteTests
{
    private const string RollingUpgradeHeading = "### Rolling upgrade";

    /// <summary>README's env file; the site's own (<see cref="ComposeSite.EnvFile"/>) stands in for it.</summary>
    private const string ReadmeEnvFile = "docker/site.env";

    private static readonly TimeSpan ReleaseTimeout = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan UpgradeTimeout = TimeSpan.FromMinutes(12);

    /// <summary>
    /// README's two blocks as an operator runs them in one shell (the second after the first's
    /// tags line, which that shell keeps): the new release's images and the schema; then, while a
    /// client watches a running task through nginx, every silo, every gateway and nginx replaced
    /// one at a time. The task completes with every document written once and the client gets its
    /// terminal message, reconnecting as gateways and nginx go; the cluster never counts fewer than
    /// one silo less than before and ends with as many; every container then runs the new tag, the
    /// silos with small tasks inline again.
    /// </summary>
    private static async Task The_README_s_rolling_upgrade_replaces_every_container_under_a_watched_task(
        ComposeSite site, HttpClient https, Dictionary<string, string> variables)
    {
        var (release, replace, newTag) = RollingUpgradeCommands(site);
        var silos = await site.RunningContainersAsync("silo");
        var clock = Stopwatch.StartNew();
        await site.ShellOrFailAsync(release, ReleaseTimeout);
        var released = clock.Elapsed;

        var (taskId, collection) = await CreateTaskAsync(https);
        var socketUri = new Uri($"wss://127.0.0.1:{variables["ORLEANSTASKS_HTTPS_PORT"]}/ws/task/{taskId}?token={https.DefaultRequestHeaders.Authorization!.Parameter}");
        var siteCertificate = SiteCertificateCheck(variables);
        await using var follower = new TaskFollower(taskId, () => SocketClient.ConnectAsync(socketUri, serverCertificate: siteCertificate));
        // Documents counted, not the first progress: at its start time the task is queued first (a "progress" saying
        // "Queued"), and on a loaded machine it stayed there while the status was read.
        await follower.UntilAsync(message => MessageAssert.Type(message) == "progress" && message.GetProperty("current").GetInt32() > 0,
            TimeSpan.FromMinutes(1), "the task's first progress with documents counted");
        var beforeUpgrade = await TaskRequests.GetAsync(https, taskId);
        JsonElement terminal;
        int replacedWhileTheTaskRan;
        IReadOnlyList<int> activeSilos;
        await using (var sampler = ActiveSiloSampler.Start(https))
        {
            var upgrading = site.ShellOrFailAsync(replace, UpgradeTimeout);
            var following = follower.UntilAsync(IsTerminal, UpgradeTimeout, "the task's terminal message");
            if (await Task.WhenAny(upgrading, following) == upgrading)
            {
                await upgrading;
            }

            replacedWhileTheTaskRan = following.IsCompleted ? silos.Except(await site.RunningContainersAsync("silo")).Count() : silos.Length;
            terminal = await following;
            await upgrading;
            activeSilos = sampler.Samples;
            Console.WriteLine($"ComposeSiteTests: active silos during the rolling upgrade: {sampler}");
        }

        var upgraded = clock.Elapsed - released;
        await WaitUntilTheClusterCountsAsync(site, https, silos.Length);

        Assert.True(beforeUpgrade.GetProperty("status").GetString() == "processing", $"the task was not running when the upgrade began: {beforeUpgrade}");
        Assert.True(replacedWhileTheTaskRan >= 1, "the task ended before the first silo was replaced: make it longer");
        MessageAssert.IsComplete(terminal, taskId);
        Assert.Equal(Documents, terminal.GetProperty("result").GetProperty("success").GetInt32());
        Assert.Single(follower.Messages, IsTerminal);
        Assert.All(follower.Sockets.Where(messages => messages.Count > 0), MessageAssert.AreOrdered);
        await AssertEveryDocumentWrittenOnceAsync(site, collection);
        Assert.True(activeSilos.Count > 0 && activeSilos.Min() >= silos.Length - 1, $"active silos during the upgrade: {string.Join(' ', activeSilos)}; never fewer than {silos.Length - 1}");
        Assert.Equal(silos.Length, (await site.RunningContainersAsync("silo")).Length);
        await AssertEveryContainerRunsAsync(site, newTag);
        Console.WriteLine($"ComposeSiteTests: rolling upgrade to tag {newTag}: release built and migrated in {released.TotalSeconds:F0} s, "
            + $"{silos.Length} silos replaced twice, 2 gateways and nginx in {upgraded.TotalSeconds:F0} s; the watched task spanned "
            + $"{replacedWhileTheTaskRan} silo replacement(s) and reconnected {follower.Reconnects} time(s)");
    }

    /// <summary>README's release block with the site's env file for <c>docker/site.env</c>; its tags line and replacement block; the new tag.</summary>
    private static (string Release, string Replace, string NewTag) RollingUpgradeCommands(ComposeSite site)
    {
        var blocks = ReadmeCommands.Under(RollingUpgradeHeading);
        Assert.True(blocks.Count == 2, $"README's rolling upgrade has {blocks.Count} shell blocks, not two (the release, then the replacement)");
        var tags = TagsLine().Match(blocks[0]);
        Assert.True(tags.Success, $"README's rolling upgrade does not open with old_tag=... new_tag=...:\n{blocks[0]}");
        // The site runs the default tag; README's example upgrades from it.
        Assert.Equal("latest", tags.Groups[1].Value);
        Assert.Contains(ReadmeEnvFile, blocks[0], StringComparison.Ordinal);
        return (blocks[0].Replace(ReadmeEnvFile, site.EnvFile, StringComparison.Ordinal), tags.Value + "\n" + blocks[1], tags.Groups[2].Value);
    }

    /// <summary>Every silo, gateway and nginx container runs its image of <paramref name="tag"/>, labelled as that release; the silos keep small tasks inline.</summary>
    private static async Task AssertEveryContainerRunsAsync(ComposeSite site, string tag)
    {
        foreach (var service in new[] { "silo", "gateway", "nginx" })
        {
            foreach (var container in await site.RunningContainersAsync(service))
            {
                var image = await site.InspectAsync(container, "{{.Config.Image}}");
                var release = await site.InspectAsync(container, "{{index .Config.Labels \"org.opencontainers.image.version\"}}");
                Assert.True(image == $"orleans-tasks/{service}:{tag}" && release == tag, $"{service} container {container} runs {image}, release {release}");
            }
        }

        foreach (var silo in await site.RunningContainersAsync("silo"))
        {
            Assert.Contains("Tasks__InlineSmallTasks=true", await site.InspectAsync(silo, "{{json .Config.Env}}"), StringComparison.Ordinal);
        }
    }

    private static bool IsTerminal(JsonElement message) => MessageAssert.Type(message) is "complete" or "error" or "cancelled";

    [GeneratedRegex(@"^old_tag=(\S+) new_tag=(\S+)", RegexOptions.Multiline)]
    private static partial Regex TagsLine();
}
