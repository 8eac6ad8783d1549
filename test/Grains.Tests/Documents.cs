using System.Collections.Immutable;
using System.Globalization;

namespace OrleansTasks.Grains.Tests;

/// <summary>Generated test documents with distinct, searchable content.</summary>
public static class Documents
{
    private static readonly string[] Words =
        ["orleans", "grain", "silo", "stream", "index", "search", "progress", "socket", "cluster", "actor", "batch", "token"];

    public static ImmutableArray<IndexDocument> Generate(int count, string prefix = "doc", int wordsPerDocument = 40, string salt = "") =>
        [.. Enumerable.Range(0, count).Select(i => new IndexDocument(
            string.Create(CultureInfo.InvariantCulture, $"{prefix}-{i:D5}.md"),
            string.Create(CultureInfo.InvariantCulture, $"Document {i}"),
            Content(i, wordsPerDocument, salt)))];

    private static string Content(int seed, int words, string salt)
    {
        var random = new Random(seed);
        var parts = Enumerable.Range(0, words).Select(_ => Words[random.Next(Words.Length)]);
        return string.Create(CultureInfo.InvariantCulture, $"number{seed} {salt} ") + string.Join(' ', parts);
    }
}
