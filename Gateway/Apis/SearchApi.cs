using Microsoft.AspNetCore.Http.HttpResults;

namespace OrleansTasks.Gateway.Apis;

public static class SearchApi
{
    public static IEndpointRouteBuilder MapSearchApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/search", SearchAsync)
            .RequireAuthorization()
            .WithTags("Search")
            .WithSummary("Ranked full-text search in one collection; snippets are HTML with <mark> around matches.");
        return app;
    }

    private static async Task<Results<Ok<SearchResponse>, ValidationProblem>> SearchAsync(
        IGrainFactory grains, string? collection = null, string? q = null, int limit = 10)
    {
        try
        {
            var hits = await grains.GetGrain<ISearchGrain>(0).Search(collection ?? "", q ?? "", limit);
            return TypedResults.Ok(new SearchResponse(collection!, q!, [.. hits.Select(h => new SearchHitView(h.Id, h.Title, h.Score, h.Snippet))]));
        }
        catch (InvalidRequestException exception)
        {
            return Problems.Invalid(exception);
        }
    }
}
