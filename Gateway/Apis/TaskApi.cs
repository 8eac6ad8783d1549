using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using OrleansTasks.Gateway.Auth;
using OrleansTasks.Tasks;

namespace OrleansTasks.Gateway.Apis;

public static class TaskApi
{
    public static string SocketUrl(Guid taskId) => $"/ws/task/{taskId}";

    public static IEndpointRouteBuilder MapTaskApi(this IEndpointRouteBuilder app)
    {
        var tasks = app.MapGroup("/api/tasks").RequireAuthorization().WithTags("Tasks");
        tasks.MapPost("", TaskCreation.Instance.HandleAsync)
            .Accepts<CreateTaskRequest>("application/json")
            .WithSummary("Accept an index task over inline documents, a directory source or an upload.");
        tasks.MapGet("", ListAsync).WithSummary("The caller's tasks, newest first, filtered and cursor-paged; admins may list everyone's with scope=all.");
        tasks.MapGet("counts", CountAsync)
            .WithSummary("How many of the caller's tasks are in each status, counted over the task history; admins may count everyone's with scope=all.");
        tasks.MapGet("{taskId}", GetAsync).WithSummary("A task's current state.");
        tasks.MapGet("{taskId}/result", GetResultAsync).WithSummary("A task's per-document outcomes, paged.");
        tasks.MapPost("{taskId}/cancel", CancelAsync).WithSummary("Cancel a task that has not ended.");
        tasks.MapPost("{taskId}/retry", TaskRetry.HandleAsync)
            .AddEndpointFilter(new NoBodyFilter("A retry takes no body: it runs with the task's own priority, retry policy and timeout. Create a new task to change them."))
            .WithSummary("Retry an ended task's failed and unprocessed documents as a new task, linked both ways (retry_of, retried_by).");
        tasks.MapGet("{taskId}/chain", GetChainAsync)
            .WithSummary("The task and every task it depends on, directly or not, with their progress rolled up.");
        return app;
    }

    private static async Task<Results<Ok<HistoryView>, ProblemHttpResult, ValidationProblem>> ListAsync(
        ClaimsPrincipal user, IGrainFactory grains, string? status = null, string? collection = null,
        [FromQuery(Name = "created_from")] DateTimeOffset? createdFrom = null,
        [FromQuery(Name = "created_before")] DateTimeOffset? createdBefore = null,
        string? cursor = null, int limit = 50, string? scope = null)
    {
        IndexTaskStatus? wanted = null;
        if (!string.IsNullOrEmpty(status))
        {
            wanted = Enum.GetValues<IndexTaskStatus>().Cast<IndexTaskStatus?>().FirstOrDefault(s => s!.Value.ToWireName() == status);
            if (wanted is null)
            {
                return Problems.Invalid("status", "'status' must be pending, waiting, processing, completed, failed or cancelled.");
            }
        }

        if (InvalidScope(scope) is { } invalid)
        {
            return invalid;
        }

        if (ForbiddenScope(user, scope, "list") is { } forbidden)
        {
            return forbidden;
        }

        try
        {
            var page = await grains.GetGrain<ITaskHistoryGrain>(0).List(new HistoryQuery(
                OwnerInScope(user, scope), wanted, string.IsNullOrEmpty(collection) ? null : collection,
                createdFrom, createdBefore, cursor, limit));
            return TypedResults.Ok(new HistoryView([.. page.Items.Select(TaskSummaryView.From)], page.NextCursor));
        }
        catch (InvalidRequestException exception)
        {
            return Problems.Invalid(exception);
        }
    }

    private static async Task<Results<Ok<TaskCountsView>, ProblemHttpResult, ValidationProblem>> CountAsync(
        ClaimsPrincipal user, IGrainFactory grains, string? scope = null)
    {
        if (InvalidScope(scope) is { } invalid)
        {
            return invalid;
        }

        if (ForbiddenScope(user, scope, "count") is { } forbidden)
        {
            return forbidden;
        }

        var counts = await grains.GetGrain<ITaskHistoryGrain>(0).Counts(OwnerInScope(user, scope));
        return TypedResults.Ok(TaskCountsView.From(counts));
    }

    private static ValidationProblem? InvalidScope(string? scope) =>
        scope is null or "" or "mine" or "all" ? null : Problems.Invalid("scope", "'scope' must be 'mine' or 'all'.");

    private static ProblemHttpResult? ForbiddenScope(ClaimsPrincipal user, string? scope, string verb) =>
        scope == "all" && !user.IsAdmin()
            ? TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Admins only", detail: $"Only admins may {verb} every user's tasks.")
            : null;

    /// <summary>The owner whose tasks a scope covers; null for everyone's.</summary>
    private static string? OwnerInScope(ClaimsPrincipal user, string? scope) => scope == "all" ? null : user.Subject();

    private static async Task<Results<Ok<TaskView>, ProblemHttpResult>> GetAsync(string taskId, ClaimsPrincipal user, IGrainFactory grains)
    {
        var task = await FindVisibleAsync(taskId, user, grains);
        return task is null ? Problems.TaskNotFound() : TypedResults.Ok(TaskView.From(task));
    }

    private static async Task<Results<Ok<TaskResultView>, ProblemHttpResult, ValidationProblem>> GetResultAsync(
        string taskId, ClaimsPrincipal user, IGrainFactory grains, int offset = 0, int limit = 100, string? status = null)
    {
        if (offset < 0)
        {
            return Problems.Invalid("offset", "'offset' must be 0 or more.");
        }

        if (limit is < 1 or > 1000)
        {
            return Problems.Invalid("limit", "'limit' must be between 1 and 1000.");
        }

        DocumentOutcome? outcome = status switch
        {
            null or "" => null,
            "indexed" => DocumentOutcome.Indexed,
            "unchanged" => DocumentOutcome.Unchanged,
            "failed" => DocumentOutcome.Failed,
            _ => (DocumentOutcome)(-1),
        };
        if (outcome is (DocumentOutcome)(-1))
        {
            return Problems.Invalid("status", "'status' must be indexed, unchanged or failed.");
        }

        var task = await FindVisibleAsync(taskId, user, grains);
        if (task is null)
        {
            return Problems.TaskNotFound();
        }

        var page = await grains.GetGrain<IIndexTaskGrain>(task.TaskId).GetResults(offset, limit, outcome);
        return TypedResults.Ok(new TaskResultView(
            task.TaskId,
            task.Status.ToWireName(),
            task.Counts.Processed,
            task.Counts.Indexed,
            task.Counts.Failed,
            task.Counts.Unchanged,
            [.. page.Items.Select(DocumentResultView.From)],
            page.NextOffset));
    }

    private static async Task<Results<Accepted<CancelAccepted>, ProblemHttpResult>> CancelAsync(
        string taskId, ClaimsPrincipal user, IGrainFactory grains)
    {
        var task = await FindVisibleAsync(taskId, user, grains);
        if (task is null)
        {
            return Problems.TaskNotFound();
        }

        var outcome = await grains.GetGrain<IIndexTaskGrain>(task.TaskId).Cancel(CancelledBy.User(user.Subject()));
        return outcome switch
        {
            CancelOutcome.Cancelled => TypedResults.Accepted($"/api/tasks/{task.TaskId}", new CancelAccepted(task.TaskId, "cancelled")),
            CancelOutcome.AlreadyEnded => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Task already ended",
                detail: "The task has already ended; there is nothing to cancel."),
            _ => Problems.TaskNotFound(),
        };
    }

    private static async Task<Results<Ok<ChainView>, ProblemHttpResult>> GetChainAsync(string taskId, ClaimsPrincipal user, IGrainFactory grains)
    {
        var task = await FindVisibleAsync(taskId, user, grains);
        if (task is null || await grains.GetGrain<ITaskChainGrain>(task.TaskId).GetChain() is not { } chain)
        {
            return Problems.TaskNotFound();
        }

        return TypedResults.Ok(ChainView.From(chain));
    }

    private static Task<IndexTaskSnapshot?> FindVisibleAsync(string taskId, ClaimsPrincipal user, IGrainFactory grains) =>
        VisibleItems.FindAsync(taskId, user, id => grains.GetGrain<IIndexTaskGrain>(id).GetSnapshot());
}
