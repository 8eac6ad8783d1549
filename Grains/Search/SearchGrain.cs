using System.Collections.Immutable;
using Orleans.Concurrency;
using OrleansTasks.Indexing;
using OrleansTasks.Tasks;

namespace OrleansTasks.Search;

[StatelessWorker, GrainType("search")]
public sealed class SearchGrain(IDocumentIndex index) : Grain, ISearchGrain
{
    public const int MaxLimit = 100;
    public const int MaxQueryLength = 512;

    public Task<ImmutableArray<SearchHit>> Search(string collection, string query, int limit)
    {
        if (!TaskRequestValidator.IsValidCollection(collection))
        {
            throw new InvalidSearchRequestException("collection", "'collection' must name a collection: 1–64 letters, digits, '_', '.' or '-'.");
        }

        if (string.IsNullOrWhiteSpace(query) || query.Length > MaxQueryLength)
        {
            throw new InvalidSearchRequestException("q", $"'q' must be 1–{MaxQueryLength} characters.");
        }

        if (query.Any(char.IsControl))
        {
            throw new InvalidSearchRequestException("q", "'q' must not contain control characters.");
        }

        if (limit is < 1 or > MaxLimit)
        {
            throw new InvalidSearchRequestException("limit", $"'limit' must be between 1 and {MaxLimit}.");
        }

        return index.SearchAsync(collection, query, limit, CancellationToken.None);
    }
}
