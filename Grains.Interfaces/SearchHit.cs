namespace OrleansTasks;

/// <summary>
/// A ranked search result. <see cref="Snippet"/> is HTML: the document's text escaped, with the
/// matched terms wrapped in <c>&lt;mark&gt;</c>.
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansTasks.SearchHit")]
public sealed record SearchHit(
    [property: Id(0)] string Id,
    [property: Id(1)] string? Title,
    [property: Id(2)] double Score,
    [property: Id(3)] string Snippet);
