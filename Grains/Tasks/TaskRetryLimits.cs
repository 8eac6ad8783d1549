namespace OrleansTasks.Tasks;

/// <summary>The bounds a retry policy and a time limit must keep, in configuration and in requests alike.</summary>
public static class TaskRetryLimits
{
    public const int MaxAttempts = 100;
    public const double MinBackoff = 1.0;
    public const double MaxBackoff = 10.0;
    public static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(1);
    public static readonly TimeSpan MaxInterval = TimeSpan.FromDays(1);
    public static readonly TimeSpan MinTimeout = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromDays(30);
}
