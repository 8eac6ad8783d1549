using System.Collections.Immutable;

namespace OrleansTasks.Storage;

/// <summary>A slice of a task's documents, stored once when the task is accepted.</summary>
[GenerateSerializer, Immutable, Alias("OrleansTasks.Storage.DocumentChunk")]
public sealed record DocumentChunk([property: Id(0)] ImmutableArray<IndexDocument> Documents);
