using Microsoft.Extensions.Configuration;
using OrleansTasks.Hosting;

namespace OrleansTasks.Grains.Tests;

public sealed class TaskStreamSettingsTests
{
    private static IConfiguration With(string key, string value) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [key] = value }).Build();

    [Fact]
    public void Unset_settings_give_the_tuned_defaults()
    {
        var settings = TaskStreamSettings.From(new ConfigurationBuilder().Build());
        Assert.Equal(4, TaskStreamQueues.From(new ConfigurationBuilder().Build()).Queues);
        Assert.Equal(TimeSpan.FromMilliseconds(5), settings.PollingPeriod);
        Assert.Equal(512, settings.DeliveryBatchSize);
        Assert.Equal(TimeSpan.FromSeconds(10), settings.CacheRetention);
    }

    [Theory]
    [InlineData("Streams:Queues", "0", "Queues")]
    [InlineData("Streams:PollingPeriod", "00:01:00", "PollingPeriod")]
    [InlineData("Streams:DeliveryBatchSize", "0", "DeliveryBatchSize")]
    [InlineData("Streams:CacheRetention", "00:00:00.500", "CacheRetention")]
    [InlineData("Streams:Queues", "four", "Streams:Queues")]
    public void A_setting_out_of_range_stops_the_start_with_one_line_naming_it(string key, string value, string name)
    {
        var configuration = With(key, value);
        var failure = Assert.Throws<StartupException>(() =>
        {
            TaskStreamQueues.From(configuration);
            TaskStreamSettings.From(configuration);
        });
        Assert.StartsWith("Streams: ", failure.Message, StringComparison.Ordinal);
        Assert.Contains(name, failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', failure.Message);
    }
}
