using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansTasks.Hosting;
using OrleansTasks.Tasks;

namespace OrleansTasks.Grains.Tests;

/// <summary><c>Tasks:BatchBudget</c>, the slice budget's old name, still works and is warned about.</summary>
public sealed class RenamedTaskSettingsTests
{
    [Fact]
    public async Task The_old_name_sets_the_slice_budget_and_a_warning_at_start_names_the_new_one()
    {
        var (options, warnings) = await StartAsync(new() { ["Tasks:BatchBudget"] = "00:00:00.1" });

        Assert.Equal(TimeSpan.FromMilliseconds(100), options.SliceBudget);
        var warning = Assert.Single(warnings);
        Assert.Contains("Tasks:BatchBudget is the old name of Tasks:SliceBudget", warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_new_name_wins_over_the_old_one_which_is_said_to_be_ignored_and_alone_it_warns_of_nothing()
    {
        var (both, ignored) = await StartAsync(new() { ["Tasks:BatchBudget"] = "00:00:00.1", ["Tasks:SliceBudget"] = "00:00:00.2" });
        var (alone, warnings) = await StartAsync(new() { ["Tasks:SliceBudget"] = "00:00:00.3" });

        Assert.Equal(TimeSpan.FromMilliseconds(200), both.SliceBudget);
        Assert.Contains("its value 00:00:00.1 is ignored", Assert.Single(ignored), StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromMilliseconds(300), alone.SliceBudget);
        Assert.Empty(warnings);
    }

    [Theory]
    [InlineData("00:00:05", "SliceBudget")]
    [InlineData("soon", "'Tasks:BatchBudget'")]
    public async Task A_bad_value_under_the_old_name_stops_the_start_with_one_line_as_under_the_new_one(string value, string named)
    {
        var refused = await Assert.ThrowsAsync<StartupException>(() => StartAsync(new() { ["Tasks:BatchBudget"] = value }));

        Assert.Contains(named, refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', refused.Message);
    }

    private static async Task<(TasksOptions Options, List<string> Warnings)> StartAsync(Dictionary<string, string?> settings)
    {
        var warnings = new List<string>();
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders().AddProvider(new WarningCollector(warnings));
        builder.Services.AddOrleansTasksGrainServices(builder.Configuration);
        using var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        var options = host.Services.GetRequiredService<IOptions<TasksOptions>>().Value;
        await host.StopAsync(TestContext.Current.CancellationToken);
        return (options, warnings);
    }

    private sealed class WarningCollector(List<string> warnings) : ILoggerProvider, ILogger
    {
        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                lock (warnings)
                {
                    warnings.Add(formatter(state, exception));
                }
            }
        }

        public void Dispose()
        {
        }
    }
}
