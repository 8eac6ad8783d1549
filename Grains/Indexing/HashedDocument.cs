namespace OrleansTasks.Indexing;

/// <summary>A document ready for the index, with the SHA-256 of its content in lowercase hex.</summary>
public sealed record HashedDocument(string Id, string? Title, string Content, string ContentHash);
