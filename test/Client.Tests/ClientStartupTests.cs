using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using OrleansTasks.Hosting;
using OrleansTasks.Testing;

namespace OrleansTasks.Client.Tests;

/// <summary>What a service sees when its settings are wrong or the cluster is not there: one clear error, never a hang.</summary>
public sealed class ClientStartupTests
{
    private static HostApplicationBuilder Builder(params (string Key, string Value)[] settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings.ToDictionary(setting => setting.Key, setting => (string?)setting.Value));
        return builder;
    }

    [Theory]
    [InlineData("Client:ConnectTimeout", "soon", "Client:")]
    [InlineData("Client:WatchQueueLength", "0", "WatchQueueLength")]
    [InlineData("Cluster:ClusterId", "no spaces please", "ClusterId")]
    [InlineData("Streams:Queues", "0", "Queues")]
    public void A_bad_setting_stops_the_start_with_one_line_naming_it(string key, string value, string named)
    {
        var failure = Assert.Throws<StartupException>(() => Builder((key, value)).AddOrleansTasksClient());

        Assert.Contains(named, failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', failure.Message);
    }

    [Fact]
    public void A_setting_the_callback_breaks_is_refused_too()
    {
        var failure = Assert.Throws<StartupException>(() => Builder().AddOrleansTasksClient(options => options.StreamSilenceTimeout = TimeSpan.Zero));

        Assert.Contains(nameof(OrleansTasksClientOptions.StreamSilenceTimeout), failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_cluster_fails_the_start_clearly_after_the_connect_timeout()
    {
        var builder = Builder(
            ("Cluster:ClusterId", "nobody-home"),
            ("Cluster:GatewayPort", FreePorts.Next().ToString(CultureInfo.InvariantCulture)),
            ("Client:ConnectTimeout", "00:00:03"));
        builder.AddOrleansTasksClient();
        using var host = builder.Build();
        var clock = Stopwatch.StartNew();

        var failure = await Assert.ThrowsAsync<ClusterUnavailableException>(() =>
            Deadline.RunAsync(host.StartAsync, TimeSpan.FromSeconds(60), "the start to give up"));

        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(45));
        Assert.Contains("nobody-home", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Client:ConnectTimeout", failure.Message, StringComparison.Ordinal);
    }
}
