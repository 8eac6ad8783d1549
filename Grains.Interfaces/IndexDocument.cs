namespace OrleansTasks;

/// <summary>One document to index, as the user gave it.</summary>
[GenerateSerializer, Immutable, Alias("OrleansTasks.IndexDocument")]
public sealed record IndexDocument(
    [property: Id(0)] string Id,
    [property: Id(1)] string? Title,
    [property: Id(2)] string Content);
