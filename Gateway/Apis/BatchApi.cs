using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
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
        batches.MapPost("", CreateAsync)
            .Accepts<CreateBatchRequest>("application/json")
            .WithSummary("Create many tasks at once; tasks may wait for each other ('after', by ref) or for existing tasks ('depends_on').");
        batches.MapGet("", ListAsync).WithSummary("The caller's batches, newest first, cursor-paged.");
        batches.MapGet("{batchId}", GetAsync).WithSummary("A batch with its rolled-up progress and each of its tasks.");
        batches.MapPost("{batchId}/cancel", CancelAsync).WithSummary("Cancel every unfinished task of a batch.");
        return app;
    }

    private static async Task<Results<Accepted<BatchAccepted>, ProblemHttpResult, ValidationProblem>> CreateAsync(
        HttpContext context, ClaimsPrincipal user, IGrainFactory grains, IOptions<TasksOptions> options)
    {
        var limits = options.Value;
        var read = await JsonRequestBody.ReadAsync<CreateBatchRequest>(context, limits.MaxRequestBytes, "batch");
        if (read.Problem is { } problem)
        {
            return problem;
        }

        if (read.Invalid is { } invalid)
        {
            return invalid;
        }

        var tasks = read.Body!.Tasks ?? [];
        for (var i = 0; i < tasks.Count; i++)
        {
            if (tasks[i] is not { } task)
            {
                return Problems.Invalid($"tasks[{i}]", "A task must be an object.");
            }

            if (TaskInputs.CheckSizes(task.Documents, limits, $"tasks[{i}].") is { } tooLarge)
            {
                return tooLarge;
            }

            if (TaskInputs.CheckShape(task.Documents, $"tasks[{i}].") is { } malformed)
            {
                return malformed;
            }

            if (task.After?.IndexOf(null!) is >= 0 and var nullAt)
            {
                return Problems.Invalid($"tasks[{i}].after[{nullAt}]", "'after' lists refs of tasks in this batch.");
            }
        }

        var request = new CreateBatch(user.Subject(), [.. tasks.Select(task => new BatchTaskSpec(
            task!.Ref ?? "",
            task.Collection ?? "",
            TaskInputs.Documents(task.Documents),
            TaskInputs.Source(task.Source),
            task.After is null ? [] : [.. task.After],
            task.DependsOn is null ? [] : [.. task.DependsOn]))]);
        var claim = await IdempotentCreate.ClaimAsync(context, grains, request.OwnerId, "batch:", RequestFingerprint.Of(request));
        if (claim.Invalid is { } badKey)
        {
            return badKey;
        }

        if (claim.Conflict is { } conflict)
        {
            return conflict;
        }

        try
        {
            var batch = await grains.GetGrain<IBatchGrain>(claim.Id).Create(request);
            return TypedResults.Accepted($"/api/batches/{batch.BatchId}", new BatchAccepted(
                batch.BatchId,
                batch.Status.ToWireName(),
                SocketUrl(batch.BatchId),
                [.. batch.Tasks.Select(task => new BatchTaskAccepted(task.Ref!, task.TaskId, TaskApi.SocketUrl(task.TaskId)))]));
        }
        catch (InvalidRequestException exception)
        {
            await claim.ReleaseAsync();
            return Problems.Invalid(exception);
        }
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

    private static ProblemHttpResult BatchNotFound() =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Batch not found",
            detail: "No batch with this id exists for you.");
}
