using System.Collections.Immutable;

namespace OrleansTasks;

/// <summary>Full-text search over indexed documents. Use key 0; the grain runs as a stateless worker on every silo.</summary>
[Alias("OrleansTasks.ISearchGrain")]
public interface ISearchGrain : IGrainWithIntegerKey
{
    /// <summary>The best <paramref name="limit"/> matches for <paramref name="query"/> in <paramref name="collection"/>.</summary>
    [Alias("Search")]
    Task<ImmutableArray<SearchHit>> Search(string collection, string query, int limit);
}
