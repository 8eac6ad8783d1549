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

    /// <summary>
    /// Records that the pass of <paramref name="taskId"/> over its source saw <paramref name="ids"/> (none,
    /// possibly: the pass is then known to have started), for <see cref="DeleteUnseenAsync"/>; recording
    /// an id again changes nothing.
    /// </summary>
    Task RecordSeenAsync(Guid taskId, IReadOnlyList<string> ids, CancellationToken cancellationToken);

    /// <summary>
    /// One step of removing the documents of <paramref name="collection"/> the pass of <paramref name="taskId"/>
    /// did not see: the next documents in id order after the removal's stored cursor, at most
    /// <paramref name="batchSize"/> of them looked at (an index without a statement limit may go through
    /// all of them at once), removed together with the cursor and count stored beside them. Returns how
    /// many the removal has taken out so far and whether it has gone through the whole collection; once it
    /// has, a further call removes nothing more and answers the same. A pass that recorded nothing, or
    /// was forgotten (a stale activation's step after its task ended), removes nothing: (0, done).
    /// </summary>
    Task<UnseenRemoval> DeleteUnseenAsync(string collection, Guid taskId, int batchSize, CancellationToken cancellationToken);

    /// <summary>Forgets what the pass of <paramref name="taskId"/> saw, and its removal's cursor and count.</summary>
    Task ForgetSeenAsync(Guid taskId, CancellationToken cancellationToken);
}
