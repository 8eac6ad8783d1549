using System.Collections.Immutable;
using System.Globalization;

namespace OrleansTasks.Benchmarks;

internal static class SampleDocuments
{
    private static readonly string[] Words =
        ["orleans", "grain", "silo", "stream", "index", "search", "progress", "socket", "cluster", "actor", "reminder", "gateway"];

    public static ImmutableArray<IndexDocument> Generate(int count, int wordsPerDocument, string salt = "") =>
        [.. Enumerable.Range(0, count).Select(i =>
        {
            var random = new Random(i);
            var words = Enumerable.Range(0, wordsPerDocument).Select(_ => Words[random.Next(Words.Length)] + random.Next(1000).ToString(CultureInfo.InvariantCulture));
            return new IndexDocument(
                string.Create(CultureInfo.InvariantCulture, $"doc-{i:D5}.md"),
                string.Create(CultureInfo.InvariantCulture, $"Document {i}"),
                salt + " " + string.Join(' ', words));
        })];
}
