using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using OrleansTasks.Gateway.Auth;
using OrleansTasks.Tasks;

namespace OrleansTasks.Gateway.Apis;

/// <summary><c>/api/batches</c>: many tasks created in one request, with dependencies among them, followed as one.</summary>
public static class BatchApi
{
    public static string SocketUrl(Guid batchId) => $"/ws/batch/{batchId}";

    public static IEndpointRouteBuilder MapBatchApi(this IEndpointRouteBuilder app)
    {
        var batches = app.MapGroup("/api/batches").RequireAuthorization().WithTags("Batches");
        batches.MapPost("", BatchCreation.Instance.HandleAsync)
            .Accepts<CreateBatchRequest>("application/json")
            .WithSummary("Create many tasks at once; tasks may wait for each other ('after', by ref) or for existing tasks ('depends_on').");
        batches.MapGet("", ListAsync).WithSummary("The caller's batches, newest first, cursor-paged.");
        batches.MapGet("{batchId}", GetAsync).WithSummary("A batch with its rolled-up progress and each of its tasks.");
        batches.MapPost("{batchId}/cancel", CancelAsync).WithSummary("Cancel every unfinished task of a batch.");
        batches.MapPost("{batchId}/retry", BatchRetry.HandleAsync)
            .AddEndpointFilter(new NoBodyFilter("A batch's retry takes no body: each task runs with its own priority, retry policy and timeout. Create a new batch to change them."))
            .WithSummary("Retry an ended batch's failed and cancelled tasks as a new batch, linked both ways (retry_of, retried_by).");
        return app;
    }

    private static async Task<Results<Ok<BatchListView>, ValidationProblem>> ListAsync(
        ClaimsPrincipal user, IGrainFactory grains, string? cursor = null, int limit = 20)
    {
        try
        {
            var page = await grains.GetGrain<IUserListGrain>(IUserListGrain.Batches(user.Subject())).List(cursor, limit);
            var batches = await Task.WhenAll(page.Ids.Select(id => grains.GetGrain<IBatchGrain>(id).GetSnapshot()));
            return TypedResults.Ok(new BatchListView(
                [.. batches.OfType<BatchSnapshot>().Select(batch => BatchView.From(batch, withTasks: false))], page.NextCursor));
        }
        catch (InvalidRequestException exception)
        {
            return Problems.Invalid(exception);
        }
    }

    private static async Task<Results<Ok<BatchView>, ProblemHttpResult>> GetAsync(string batchId, ClaimsPrincipal user, IGrainFactory grains)
    {
        var batch = await FindVisibleAsync(batchId, user, grains);
        return batch is null ? BatchNotFound() : TypedResults.Ok(BatchView.From(batch));
    }

    private static async Task<Results<Accepted<BatchView>, ProblemHttpResult>> CancelAsync(
        string batchId, ClaimsPrincipal user, IGrainFactory grains)
    {
        var batch = await FindVisibleAsync(batchId, user, grains);
        if (batch is null)
        {
            return BatchNotFound();
        }

        var grain = grains.GetGrain<IBatchGrain>(batch.BatchId);
        return await grain.Cancel(CancelledBy.User(user.Subject())) switch
        {
            CancelOutcome.Cancelled => TypedResults.Accepted($"/api/batches/{batch.BatchId}", BatchView.From((await grain.GetSnapshot())!)),
            CancelOutcome.AlreadyEnded => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Batch already ended",
                detail: "The batch has already ended or is being cancelled; there is nothing to cancel."),
            _ => BatchNotFound(),
        };
    }

    private static Task<BatchSnapshot?> FindVisibleAsync(string batchId, ClaimsPrincipal user, IGrainFactory grains) =>
        VisibleItems.FindAsync(batchId, user, id => grains.GetGrain<IBatchGrain>(id).GetSnapshot());

    internal static ProblemHttpResult BatchNotFound() =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Batch not found",
            detail: "No batch with this id exists for you.");
}
