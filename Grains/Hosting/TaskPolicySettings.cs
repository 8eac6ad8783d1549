using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using OrleansTasks.Tasks;

namespace OrleansTasks.Hosting;

/// <summary>
/// <c>Tasks:Retry:*</c> and <c>Tasks:DefaultTimeout</c>, checked while the host is built: a bad
/// value stops the silo with one line naming the setting, before Orleans starts and logs.
/// </summary>
public sealed class TaskPolicySettings
{
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan? DefaultTimeout { get; set; }

    /// <summary>Throws <see cref="StartupException"/> for a retry policy or default time limit out of range.</summary>
    public static void Check(IConfiguration configuration)
    {
        StartupSettings.Read<RetryOptions>(configuration, TasksOptions.SectionName + ":" + nameof(TasksOptions.Retry));
        StartupSettings.Read<TaskPolicySettings>(configuration, TasksOptions.SectionName);
    }
}
