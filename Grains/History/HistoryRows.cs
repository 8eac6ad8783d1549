namespace OrleansTasks.History;

/// <summary>
/// Whether a row of one task's history replaces the one kept: a higher <c>seq</c> does, then, at one
/// <c>seq</c>, a later change time, and at the same <c>seq</c> and time only a row that says something
/// else (a checkpoint can carry a new total or message that moved neither). A new activation of an
/// unfinished task continues above every <c>seq</c> the activation before it could use (see
/// <c>TaskCommitter.ActivateAsync</c>), so a row of a stale activation, such as one queued on a silo
/// paused past its declared death, never replaces its successor's, whatever its change time; and the
/// same change written again replaces nothing. Of two rows that differ at the same <c>seq</c> and time,
/// the one written last stays: they come from one activation, which writes its rows one after another.
/// <c>PostgresTaskHistory</c>'s upsert compares the same way.
/// </summary>
public static class HistoryRows
{
    public static bool Supersedes(TaskSummary row, TaskSummary kept)
    {
        ArgumentNullException.ThrowIfNull(row);
        ArgumentNullException.ThrowIfNull(kept);
        if (row.Seq != kept.Seq)
        {
            return row.Seq > kept.Seq;
        }

        return row.UpdatedAt != kept.UpdatedAt ? row.UpdatedAt > kept.UpdatedAt : row != kept;
    }
}
