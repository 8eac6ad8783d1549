using Microsoft.Extensions.Configuration;
using OrleansTasks.Hosting;

namespace OrleansTasks.Grains.Tests;

public sealed class ClusterSettingsTests
{
    private static IConfiguration With(string key, string value) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [key] = value }).Build();

    [Fact]
    public void Unset_settings_give_the_defaults()
    {
        var settings = ClusterSettings.From(new ConfigurationBuilder().Build());
        Assert.Equal("orleans-tasks", settings.ClusterId);
        Assert.Equal("orleans-tasks", settings.ServiceId);
        Assert.Equal(11111, settings.SiloPort);
        Assert.Equal(30000, settings.GatewayPort);
        Assert.Null(settings.AdvertisedAddress);
        Assert.False(settings.MigrateOnStart);
    }

    [Theory]
    [InlineData("Cluster:ClusterId", "two words", "ClusterId")]
    [InlineData("Cluster:ServiceId", "", "ServiceId")]
    [InlineData("Cluster:SiloPort", "0", "SiloPort")]
    [InlineData("Cluster:SiloPort", "eleven", "Cluster:SiloPort")]
    [InlineData("Cluster:GatewayPort", "65536", "GatewayPort")]
    [InlineData("Cluster:AdvertisedAddress", "silo-1.example", "AdvertisedAddress")]
    [InlineData("Cluster:MigrateOnStart", "sometimes", "Cluster:MigrateOnStart")]
    public void A_bad_value_stops_the_start_with_one_line_naming_it(string key, string value, string name)
    {
        var failure = Assert.Throws<StartupException>(() => ClusterSettings.From(With(key, value)));
        Assert.StartsWith("Cluster: ", failure.Message, StringComparison.Ordinal);
        Assert.Contains(name, failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', failure.Message);
    }
}
