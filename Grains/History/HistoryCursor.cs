using System.Globalization;
using System.Text;

namespace OrleansTasks.History;

/// <summary>The position after one task in newest-first order: its creation time and id, opaque to clients.</summary>
public readonly record struct HistoryCursor(DateTimeOffset CreatedAt, Guid TaskId)
{
    public string Encode() => Convert.ToBase64String(Encoding.ASCII.GetBytes(
        string.Create(CultureInfo.InvariantCulture, $"{CreatedAt.UtcTicks}:{TaskId:N}")));

    public static HistoryCursor? Decode(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return null;
        }

        try
        {
            var parts = Encoding.ASCII.GetString(Convert.FromBase64String(cursor)).Split(':');
            if (parts.Length == 2
                && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                && ticks <= DateTimeOffset.MaxValue.UtcTicks
                && Guid.TryParseExact(parts[1], "N", out var taskId))
            {
                return new HistoryCursor(new DateTimeOffset(ticks, TimeSpan.Zero), taskId);
            }
        }
        catch (FormatException)
        {
        }

        throw new InvalidListRequestException("cursor", "The cursor is not one this server gave out.");
    }

    /// <summary>True when <paramref name="summary"/> comes after this position in newest-first order.</summary>
    public bool IsBefore(TaskSummary summary) =>
        summary.CreatedAt < CreatedAt || (summary.CreatedAt == CreatedAt && summary.TaskId.CompareTo(TaskId) < 0);
}
