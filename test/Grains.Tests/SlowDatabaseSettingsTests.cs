using Microsoft.Extensions.Configuration;
using OrleansTasks.Hosting;
using OrleansTasks.Tasks;

namespace OrleansTasks.Grains.Tests;

/// <summary><c>Tasks:SlowDatabaseRoundTrip</c>: the round trip from which the database counts as slow.</summary>
public sealed class SlowDatabaseSettingsTests
{
    [Fact]
    public void It_is_100_ms_unless_set_and_is_read_from_the_tasks_section()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Tasks:SlowDatabaseRoundTrip"] = "00:00:00.250" })
            .Build();

        var options = configuration.GetSection(TasksOptions.SectionName).Get<TasksOptions>()!;
        options.CheckAtStart();

        Assert.Equal(TimeSpan.FromMilliseconds(250), options.SlowDatabaseRoundTrip);
        Assert.Equal(TimeSpan.FromMilliseconds(100), new TasksOptions().SlowDatabaseRoundTrip);
    }

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("00:00:00.005")]
    [InlineData("00:05:00")]
    public void A_value_out_of_range_stops_the_start_with_one_line_naming_the_setting(string value)
    {
        var refused = Assert.Throws<StartupException>(() => new TasksOptions { SlowDatabaseRoundTrip = TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture) }.CheckAtStart());

        Assert.StartsWith("Tasks: The field SlowDatabaseRoundTrip must be between ", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', refused.Message);
    }
}
