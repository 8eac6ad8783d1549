using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json.Nodes;

namespace OrleansTasks.Benchmarks.SmallTasks;

/// <summary>
/// The ten documents (about 1 KB each) every task and every job of the scenario writes, each task
/// into its own collection, so that every task writes ten rows on both sides.
/// </summary>
internal static class SmallTaskDocuments
{
    public static readonly ImmutableArray<IndexDocument> All = SampleDocuments.Generate(TasksPlan.DocumentsPerTask, wordsPerDocument: 110, "small");

    private static readonly string DocumentsJson = new JsonArray([.. All.Select(document => (JsonNode)new JsonObject
    {
        ["id"] = document.Id,
        ["title"] = document.Title,
        ["content"] = document.Content,
    })]).ToJsonString();

    public static int AverageBytes => (int)All.Average(document => document.Content.Length);

    /// <summary>The collection of one task: the phase (warm-up or measured) and the task's number.</summary>
    public static string Collection(string phase, int task) => string.Create(CultureInfo.InvariantCulture, $"{phase}-{task:D6}");

    /// <summary>The body of <c>POST /api/tasks</c>, as a client writes it; with a priority when given one.</summary>
    public static string RestBody(string collection, TaskPriority? priority = null) => priority is { } given
        ? $$"""{"collection":"{{collection}}","priority":"{{given.ToWireName()}}","documents":{{DocumentsJson}}}"""
        : $$"""{"collection":"{{collection}}","documents":{{DocumentsJson}}}""";

    public static PeerDocument[] ForPeer() => [.. All.Select(document => new PeerDocument(document.Id, document.Title ?? "", document.Content))];
}
