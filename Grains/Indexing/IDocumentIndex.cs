using System.Collections.Immutable;
using OrleansTasks.Search;

namespace OrleansTasks.Indexing;

/// <summary>
/// The searchable store of indexed documents. An upsert is keyed by collection and document id and
/// writes only when the content hash differs, so running the same documents again writes nothing.
/// </summary>
public interface IDocumentIndex
{
    /// <summary>Upserts <paramref name="documents"/>; returns one <see cref="IndexWrite"/> per document, in order.</summary>
    Task<IReadOnlyList<IndexWrite>> UpsertAsync(string collection, Guid taskId, IReadOnlyList<HashedDocument> documents, CancellationToken cancellationToken);

    /// <summary>The best <paramref name="limit"/> documents of <paramref name="collection"/> matching every term of <paramref name="query"/>.</summary>
    Task<ImmutableArray<SearchHit>> SearchAsync(string collection, SearchQuery query, int limit, CancellationToken cancellationToken);

    /// <summary>How many times documents of <paramref name="collection"/> have been written, all told.</summary>
    Task<long> CountWritesAsync(string collection, CancellationToken cancellationToken);
}
