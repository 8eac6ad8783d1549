using System.ComponentModel.DataAnnotations;

namespace OrleansTasks.Tasks;

/// <summary>
/// The retry policy of tasks that do not give their own (<c>Tasks:Retry</c>). The defaults are
/// Hangfire's ten attempts with Celery's doubling backoff from one second, capped at five minutes:
/// about 8.5 minutes of waits before a slice gives up, long enough for a database failover.
/// </summary>
public sealed class RetryOptions : IValidatableObject
{
    [Range(1, TaskRetryLimits.MaxAttempts)]
    public int MaxAttempts { get; set; } = 10;

    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan InitialInterval { get; set; } = TimeSpan.FromSeconds(1);

    [Range(TaskRetryLimits.MinBackoff, TaskRetryLimits.MaxBackoff)]
    public double Backoff { get; set; } = 2.0;

    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan MaxInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The policy of a task: what it asks for, the rest from these defaults.</summary>
    public TaskRetryPolicy Resolve(TaskRetryPolicy? requested) => new(
        requested?.MaxAttempts ?? MaxAttempts,
        requested?.InitialInterval ?? InitialInterval,
        requested?.Backoff ?? Backoff,
        requested?.MaxInterval ?? MaxInterval);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxInterval < InitialInterval)
        {
            yield return new ValidationResult(
                $"MaxInterval ({MaxInterval}) must not be shorter than InitialInterval ({InitialInterval}).",
                [nameof(MaxInterval)]);
        }
    }
}
