namespace OrleansTasks;

/// <summary>
/// A page of task history, newest first. <see cref="OwnerId"/> null lists every user's tasks (for
/// admins); <see cref="Cursor"/> is the <see cref="HistoryPage.NextCursor"/> of the previous page.
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansTasks.HistoryQuery")]
public sealed record HistoryQuery(
    [property: Id(0)] string? OwnerId,
    [property: Id(1)] IndexTaskStatus? Status = null,
    [property: Id(2)] string? Collection = null,
    [property: Id(3)] DateTimeOffset? CreatedFrom = null,
    [property: Id(4)] DateTimeOffset? CreatedBefore = null,
    [property: Id(5)] string? Cursor = null,
    [property: Id(6)] int Limit = 50)
{
    /// <summary>The most items one page holds.</summary>
    public const int MaxLimit = 500;
}

/// <summary>One page of a history query, newest first.</summary>
/// <param name="Items">The tasks of this page.</param>
/// <param name="NextCursor">Where the next page starts; null on the last page.</param>
[GenerateSerializer, Immutable, Alias("OrleansTasks.HistoryPage")]
public sealed record HistoryPage(
    [property: Id(0)] System.Collections.Immutable.ImmutableArray<TaskSummary> Items,
    [property: Id(1)] string? NextCursor);
