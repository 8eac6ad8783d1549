using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansTasks.Hosting;

namespace OrleansTasks.Tasks;

/// <summary>
/// Task settings that were renamed: the old name is still read when the new one is not given, and
/// a warning at start-up names the new one. <c>Tasks:BatchBudget</c> became <c>Tasks:SliceBudget</c>
/// when "batch" came to mean only a group of tasks.
/// </summary>
public static partial class RenamedTaskSettings
{
    public const string OldSliceBudget = TasksOptions.SectionName + ":BatchBudget";
    public const string SliceBudget = TasksOptions.SectionName + ":" + nameof(TasksOptions.SliceBudget);

    public static IServiceCollection AddRenamedTaskSettings(this IServiceCollection services, IConfiguration configuration)
    {
        if (configuration[OldSliceBudget] is not { } old)
        {
            return services;
        }

        if (configuration[SliceBudget] is not null)
        {
            services.AddHostedService(provider => new Warning(provider.GetRequiredService<ILogger<TasksOptions>>(), old, ignored: true));
            return services;
        }

        // Checked as the new name is, so that a bad value stops the start with one line.
        if (!TimeSpan.TryParse(old, CultureInfo.InvariantCulture, out var budget))
        {
            throw new StartupException($"{TasksOptions.SectionName}: the value '{old}' at '{OldSliceBudget}' (the old name of {SliceBudget}) is not a duration such as 00:00:00.040.");
        }

        StartupSettings.Read<TasksOptions>(configuration, TasksOptions.SectionName, options => options.SliceBudget = budget);
        services.AddOptions<TasksOptions>().Configure(options => options.SliceBudget = budget);
        services.AddHostedService(provider => new Warning(provider.GetRequiredService<ILogger<TasksOptions>>(), old, ignored: false));
        return services;
    }

    private sealed partial class Warning(ILogger logger, string value, bool ignored) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            if (ignored)
            {
                Ignored(logger, OldSliceBudget, value, SliceBudget);
            }
            else
            {
                Renamed(logger, OldSliceBudget, value, SliceBudget);
            }

            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        [LoggerMessage(1, LogLevel.Warning, "{OldName} is the old name of {NewName}: its value {Value} is used; rename the setting")]
        private static partial void Renamed(ILogger logger, string oldName, string value, string newName);

        [LoggerMessage(2, LogLevel.Warning, "{OldName} is the old name of {NewName}, which is also set: its value {Value} is ignored; remove it")]
        private static partial void Ignored(ILogger logger, string oldName, string value, string newName);
    }
}
