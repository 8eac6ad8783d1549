using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// compose.yaml's stop grace periods and the systemd units' <c>TimeoutStopSec</c> against the .NET
/// host's shutdown timeout each application runs with (its appsettings.json, as published): SIGTERM
/// starts the drain, the host cuts it off after its timeout, and Docker's or systemd's SIGKILL must
/// come only after that, with room for the process to exit.
/// The silo's drain (checkpoint and hand on running tasks) needs more than .NET's default 30 s.
/// </summary>
public sealed partial class StopGracePeriodTests
{
    private static readonly TimeSpan ExitMargin = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData("silo", "Silo", 60)]
    [InlineData("gateway", "Gateway", 20)]
    public async Task The_host_ends_its_shutdown_before_compose_kills_the_container(string service, string project, int minimumSeconds)
    {
        var compose = await File.ReadAllTextAsync(Path.Combine(RepositoryPaths.Root, "docker", "compose.yaml"));
        var grace = GracePeriod(compose, service);
        var timeout = ShutdownTimeout(Path.Combine(RepositoryPaths.Root, project));

        Assert.True(timeout >= TimeSpan.FromSeconds(minimumSeconds), $"{project}'s host shuts down within {timeout.TotalSeconds} s, less than the {minimumSeconds} s its drain is given");
        Assert.True(timeout + ExitMargin <= grace, $"{project}'s host shuts down within {timeout.TotalSeconds} s, and compose.yaml kills the {service} container {grace.TotalSeconds} s after SIGTERM: less than {ExitMargin.TotalSeconds} s to exit");
    }

    [Theory]
    [InlineData("orleans-tasks-silo.service", "Silo")]
    [InlineData("orleans-tasks-gateway.service", "Gateway")]
    public async Task The_host_ends_its_shutdown_before_systemd_kills_the_service(string unit, string project)
    {
        var text = await File.ReadAllTextAsync(Path.Combine(RepositoryPaths.Root, "docker", "systemd", unit));
        var setting = StopTimeoutSetting().Match(text);
        Assert.True(setting.Success, $"{unit} has no TimeoutStopSec");
        var stop = TimeSpan.FromSeconds(int.Parse(setting.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        var timeout = ShutdownTimeout(Path.Combine(RepositoryPaths.Root, project));

        Assert.True(timeout + ExitMargin <= stop, $"{project}'s host shuts down within {timeout.TotalSeconds} s, and {unit} kills it {stop.TotalSeconds} s after SIGTERM: less than {ExitMargin.TotalSeconds} s to exit");
    }

    private static TimeSpan ShutdownTimeout(string contentRoot)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = contentRoot, Args = [] });
        using var host = builder.Build();
        return host.Services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout;
    }

    private static TimeSpan GracePeriod(string compose, string service)
    {
        var block = ServiceBlock().Matches(compose).Single(match => match.Groups[1].Value == service).Value;
        var grace = GraceSetting().Match(block);
        Assert.True(grace.Success, $"compose.yaml's {service} has no stop_grace_period");
        return TimeSpan.FromSeconds(int.Parse(grace.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>A service of compose.yaml: its name at two spaces' indent, up to the next line at that indent or less.</summary>
    [GeneratedRegex(@"^  (\w+):\n(?:(?:   .*)?\n)*", RegexOptions.Multiline)]
    private static partial Regex ServiceBlock();

    [GeneratedRegex(@"stop_grace_period: (\d+)s")]
    private static partial Regex GraceSetting();

    [GeneratedRegex(@"^TimeoutStopSec=(\d+)$", RegexOptions.Multiline)]
    private static partial Regex StopTimeoutSetting();
}
