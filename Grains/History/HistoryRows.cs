namespace OrleansTasks.History;

/// <summary>
/// Which of two rows of one task's history is newer: the one of the higher <c>seq</c>, then, at one
/// <c>seq</c>, the later change. A new activation of an unfinished task continues above every
/// <c>seq</c> the activation before it could use (see <c>TaskCommitter.ActivateAsync</c>), so a row of
/// a stale activation, such as one queued on a silo paused past its declared death, never replaces
/// its successor's, whatever its change time. A row equal in both is the same change written again
/// and replaces nothing. <c>PostgresTaskHistory</c>'s upsert compares the same way.
/// </summary>
public static class HistoryRows
{
    public static bool Supersedes(TaskSummary row, TaskSummary kept)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(kept);
        return row.Seq != kept.Seq ? row.Seq > kept.Seq : row.UpdatedAt > kept.UpdatedAt;
    }
}
