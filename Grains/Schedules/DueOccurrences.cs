namespace OrleansTasks.Schedules;

/// <summary>
/// The occurrences a schedule reaches at one tick: <see cref="Latest"/> fires (or is skipped), the
/// <see cref="Missed"/> before it are skipped, and <see cref="Following"/> is due next (null: none).
/// </summary>
public readonly record struct DueOccurrences(DateTimeOffset Latest, int Missed, DateTimeOffset? Following);
