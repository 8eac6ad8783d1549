using System.Collections.Immutable;

namespace OrleansTasks;

/// <summary>
/// The per-document outcomes carried by a terminal event: at most <see cref="MaxDetails"/> of them,
/// failures first. <see cref="Truncated"/> says more exist; the full list is read page by page.
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansTasks.TaskResultPreview")]
public sealed record TaskResultPreview(
    [property: Id(0)] ImmutableArray<DocumentResult> Details,
    [property: Id(1)] bool Truncated)
{
    /// <summary>The most document results a preview carries.</summary>
    public const int MaxDetails = 100;
}
