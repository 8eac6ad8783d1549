using System.Collections.Immutable;

namespace OrleansTasks;

/// <summary>
/// The task a schedule runs each time: a collection and its documents or directory source, and
/// the retry policy, time limit and priority of every run, as in <see cref="StartIndexTask"/>.
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansTasks.TaskTemplate")]
public sealed record TaskTemplate(
    [property: Id(0)] string Collection,
    [property: Id(1)] ImmutableArray<IndexDocument> Documents,
    [property: Id(2)] DirectorySource? Source = null,
    [property: Id(3)] TaskRetryPolicy? Retry = null,
    [property: Id(4)] TimeSpan? Timeout = null)
{
    /// <summary>Which waiting tasks admission takes first; normal in templates stored before schedules took it.</summary>
    [Id(5)] public TaskPriority Priority { get; init; }

    /// <summary>As <see cref="StartIndexTask.DeleteMissing"/>: each run removes what the directory no longer holds.</summary>
    [Id(6)] public bool DeleteMissing { get; init; }
}
