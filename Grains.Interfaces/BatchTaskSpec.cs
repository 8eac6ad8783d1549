using System.Collections.Immutable;

namespace OrleansTasks;

/// <summary>
/// One task of a new batch. <see cref="Ref"/> names it inside the batch, so that other tasks of
/// the same batch can wait for it through <see cref="After"/>; <see cref="DependsOn"/> names
/// existing tasks of the same owner. <see cref="Retry"/>, <see cref="Timeout"/> and <see cref="Priority"/>
/// are the task's retry policy, time limit and priority, and <see cref="Upload"/> the upload it reads, as in <see cref="StartIndexTask"/>.
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansTasks.BatchTaskSpec")]
public sealed record BatchTaskSpec(
    [property: Id(0)] string Ref,
    [property: Id(1)] string Collection,
    [property: Id(2)] ImmutableArray<IndexDocument> Documents,
    [property: Id(3)] DirectorySource? Source = null,
    [property: Id(4)] ImmutableArray<string> After = default,
    [property: Id(5)] ImmutableArray<Guid> DependsOn = default,
    [property: Id(9)] TaskRetryPolicy? Retry = null,
    [property: Id(10)] TimeSpan? Timeout = null)
{
    /// <summary>Which waiting tasks admission takes first; normal in specs written before batches took it.</summary>
    [Id(11)] public TaskPriority Priority { get; init; }

    /// <summary>A complete upload of the batch's owner to read in place of <see cref="Documents"/> or <see cref="Source"/>.</summary>
    [Id(12)] public Guid? Upload { get; init; }

    /// <summary>As <see cref="StartIndexTask.DeleteMissing"/>.</summary>
    [Id(13)] public bool DeleteMissing { get; init; }
}
