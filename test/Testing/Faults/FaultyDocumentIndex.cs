using System.Collections.Immutable;
using OrleansTasks.Indexing;
using OrleansTasks.Search;

namespace OrleansTasks.Testing.Faults;

/// <summary>A document index whose writes into the collections a <see cref="FaultPlan"/> names fail with a timeout, are refused for good, or are paced (per document).</summary>
public sealed class FaultyDocumentIndex(IDocumentIndex inner, FaultPlan plan) : IDocumentIndex
{
    public async Task<IReadOnlyList<IndexWrite>> UpsertAsync(string collection, Guid taskId, IReadOnlyList<HashedDocument> documents, CancellationToken cancellationToken)
    {
        if (plan.IndexPace(collection) is { } pace && pace > TimeSpan.Zero)
        {
            using var paced = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, plan.PacesLifted);
            try
            {
                await Task.Delay(pace * Math.Max(1, documents.Count), paced.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // The paces were lifted: the write goes on at once.
            }
        }

        if (plan.OnIndexRefusal(collection) != Fault.None)
        {
            throw FaultPlan.Refused($"the index refused a write into {collection}");
        }

        return plan.OnIndex(collection) == Fault.None
            ? await inner.UpsertAsync(collection, taskId, documents, cancellationToken)
            : throw FaultPlan.Injected($"indexing into {collection} timed out");
    }

    public Task<ImmutableArray<SearchHit>> SearchAsync(string collection, SearchQuery query, int limit, CancellationToken cancellationToken) =>
        inner.SearchAsync(collection, query, limit, cancellationToken);

    public Task<long> CountWritesAsync(string collection, CancellationToken cancellationToken) =>
        inner.CountWritesAsync(collection, cancellationToken);

    public Task RecordSeenAsync(Guid taskId, IReadOnlyList<string> ids, CancellationToken cancellationToken) =>
        inner.RecordSeenAsync(taskId, ids, cancellationToken);

    public Task<UnseenRemoval> DeleteUnseenAsync(string collection, Guid taskId, int batchSize, CancellationToken cancellationToken) =>
        inner.DeleteUnseenAsync(collection, taskId, batchSize, cancellationToken);

    public Task ForgetSeenAsync(Guid taskId, CancellationToken cancellationToken) =>
        inner.ForgetSeenAsync(taskId, cancellationToken);
}
