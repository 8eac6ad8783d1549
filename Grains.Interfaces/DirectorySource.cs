namespace OrleansTasks;

/// <summary>Documents read from a directory under one of the server's configured source roots.</summary>
[GenerateSerializer, Immutable, Alias("OrleansTasks.DirectorySource")]
public sealed record DirectorySource(
    [property: Id(0)] string Directory,
    [property: Id(1)] string Pattern);
