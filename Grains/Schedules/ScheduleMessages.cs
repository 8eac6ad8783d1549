using System.Globalization;

namespace OrleansTasks.Schedules;

/// <summary>Why a schedule skipped occurrences, as its <c>last_skip_reason</c> says.</summary>
internal static class ScheduleMessages
{
    public static string Missed(DateTimeOffset latest) => string.Create(CultureInfo.InvariantCulture,
        $"Missed while the cluster was down (latest due {latest:yyyy-MM-dd'T'HH:mm:ss'Z'})");

    public static string Overlapping(Guid running) => $"The previous run {running} was still going";

    public static string Refused(string reason) => "The run could not start: " + reason;
}
