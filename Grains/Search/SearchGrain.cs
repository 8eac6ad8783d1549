using System.Collections.Immutable;
using Orleans.Concurrency;
using OrleansTasks.Indexing;
using OrleansTasks.Tasks;

namespace OrleansTasks.Search;

[StatelessWorker, GrainType("search")]
public sealed class SearchGrain(IDocumentIndex index) : Grain, ISearchGrain
{
    public const int MaxLimit = 100;

    public Task<ImmutableArray<SearchHit>> Search(string collection, string query, int limit)
    {
        if (!TaskRequestValidator.IsValidCollection(collection))
        {
            throw new InvalidSearchRequestException("collection", "'collection' must name a collection: 1–64 letters, digits, '_', '.' or '-'.");
        }

        var parsed = SearchQueryParser.Parse(query);
        if (limit is < 1 or > MaxLimit)
        {
            throw new InvalidSearchRequestException("limit", $"'limit' must be between 1 and {MaxLimit}.");
        }

        return index.SearchAsync(collection, parsed, limit, CancellationToken.None);
    }
}
