using System.Collections.Immutable;

namespace OrleansTasks;

/// <summary>
/// What an index task should do: index <see cref="Documents"/> (or the files of <see cref="Source"/>)
/// into <see cref="Collection"/> on behalf of <see cref="OwnerId"/>. Exactly one of the two is given.
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansTasks.StartIndexTask")]
public sealed record StartIndexTask(
    [property: Id(0)] string OwnerId,
    [property: Id(1)] string Collection,
    [property: Id(2)] ImmutableArray<IndexDocument> Documents,
    [property: Id(3)] DirectorySource? Source = null);
