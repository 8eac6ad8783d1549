using Microsoft.Extensions.Configuration;
using OrleansTasks.Hosting;

namespace OrleansTasks.Grains.Tests;

public sealed class LogLevelDefaultsTests
{
    [Fact]
    public void Without_a_settings_file_Orleans_Polly_and_ASP_NET_Core_log_warnings_and_the_rest_information()
    {
        var configuration = new ConfigurationManager();
        LogLevelDefaults.AddTo(configuration);

        Assert.Equal("Warning", configuration["Logging:LogLevel:Orleans"]);
        Assert.Equal("Warning", configuration["Logging:LogLevel:Polly"]);
        Assert.Equal("Warning", configuration["Logging:LogLevel:Microsoft.AspNetCore"]);
        Assert.Equal("Information", configuration["Logging:LogLevel:Default"]);
    }

    [Fact]
    public void Every_source_the_program_already_reads_overrides_the_defaults()
    {
        var configuration = new ConfigurationManager();
        configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Logging:LogLevel:Polly"] = "Information" });
        LogLevelDefaults.AddTo(configuration);

        Assert.Equal("Information", configuration["Logging:LogLevel:Polly"]);
        Assert.Equal("Warning", configuration["Logging:LogLevel:Orleans"]);
    }
}
