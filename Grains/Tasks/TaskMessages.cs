using System.Globalization;

namespace OrleansTasks.Tasks;

/// <summary>The human-readable <c>message</c> of each task state.</summary>
internal static class TaskMessages
{
    public const string Queued = "Queued";

    /// <summary>A streaming task's counting pass, before its total is known.</summary>
    public const string Counting = "Counting documents";

    public static string Indexing(int current, int total) =>
        string.Create(CultureInfo.InvariantCulture, $"Indexing {current}/{total}");

    public static string WaitingForDatabase(int current, int total) =>
        string.Create(CultureInfo.InvariantCulture, $"Waiting for the database to come back ({current}/{total} indexed so far)");

    /// <summary>Still indexing, but the database's round trips are slow (see <see cref="TasksOptions.SlowDatabaseRoundTrip"/>).</summary>
    public static string WaitingForSlowDatabase(int current, int total) =>
        string.Create(CultureInfo.InvariantCulture, $"Waiting for the database, which is slow ({current}/{total} indexed so far)");

    public static string Retrying(TimeSpan delay, int attempt, int maxAttempts, string reason) =>
        string.Create(CultureInfo.InvariantCulture, $"Retrying in {delay.TotalSeconds:0.#} s (attempt {attempt} of {maxAttempts}): {reason}");

    /// <summary>The attempt a retry wait announced has begun.</summary>
    public static string Attempting(int current, int total, int attempt, int maxAttempts) =>
        string.Create(CultureInfo.InvariantCulture, $"Indexing {current}/{total} (attempt {attempt} of {maxAttempts})");

    /// <summary>The attempt a retry wait announced has begun, while the source is still being counted.</summary>
    public static string CountingAttempt(int attempt, int maxAttempts) =>
        string.Create(CultureInfo.InvariantCulture, $"{Counting} (attempt {attempt} of {maxAttempts})");

    public static string Completed(TaskCounts counts) => string.Create(CultureInfo.InvariantCulture,
        $"Indexed {counts.Processed} documents: {counts.Indexed} indexed, {counts.Unchanged} unchanged, {counts.Failed} failed");

    /// <summary>What a completed <c>delete_missing</c> task adds to <see cref="Completed"/>.</summary>
    public static string Removal(long deleted, string? skipped) => skipped is null
        ? string.Create(CultureInfo.InvariantCulture, $"; {deleted} removed (no longer in the source)")
        : "; nothing removed: " + skipped;

    public static string Removing(long deleted) => string.Create(CultureInfo.InvariantCulture,
        $"Removing the documents the source no longer holds: {deleted} so far");

    public static string Cancelled(string cancelledBy) => "Cancelled by " + cancelledBy;

    public static string WaitingFor(int dependencies) => dependencies == 1
        ? "Waiting for 1 task to complete"
        : string.Create(CultureInfo.InvariantCulture, $"Waiting for {dependencies} tasks to complete");

    public static string ScheduledFor(DateTimeOffset runAt) =>
        string.Create(CultureInfo.InvariantCulture, $"Scheduled for {runAt.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}");

    public static string DependencyCancelled(Guid dependency) =>
        $"Cancelled because task {dependency}, which this task depends on, was cancelled";
}
