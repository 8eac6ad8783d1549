using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansTasks.Hosting;

namespace OrleansTasks.Grains.Tests;

public sealed class LogLevelDefaultsTests
{
    [Fact]
    public void Every_source_the_program_already_reads_overrides_the_defaults()
    {
        var configuration = new ConfigurationManager();
        configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Logging:LogLevel:Polly"] = "Information" });
        LogLevelDefaults.AddTo(configuration);

        Assert.Equal("Information", configuration["Logging:LogLevel:Polly"]);
        Assert.Equal("Warning", configuration["Logging:LogLevel:Orleans"]);
    }

    [Fact]
    public void A_host_built_as_the_silo_builds_its_own_filters_its_loggers_by_them_and_by_the_command_line()
    {
        var empty = Directory.CreateTempSubdirectory("orleans-tasks-no-settings-");
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = ["--Logging:LogLevel:Polly=Information"],
            ContentRootPath = empty.FullName,
        });
        LogLevelDefaults.AddTo(builder.Configuration);
        using var host = builder.Build();
        empty.Delete();
        var loggers = host.Services.GetRequiredService<ILoggerFactory>();

        Assert.False(loggers.CreateLogger("Orleans.Runtime.Silo").IsEnabled(LogLevel.Information));
        Assert.True(loggers.CreateLogger("Orleans.Runtime.Silo").IsEnabled(LogLevel.Warning));
        Assert.False(loggers.CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics").IsEnabled(LogLevel.Information));
        Assert.True(loggers.CreateLogger("Polly").IsEnabled(LogLevel.Information));
        // Filter rules match category prefixes as strings: "Orleans" also covers "OrleansTasks", unless it has a rule of its own.
        Assert.True(loggers.CreateLogger("OrleansTasks.Tasks.IndexTaskGrain").IsEnabled(LogLevel.Information));
    }
}
