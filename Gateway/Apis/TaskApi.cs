using System.Security.Claims;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using OrleansTasks.Gateway.Auth;
using OrleansTasks.Tasks;

namespace OrleansTasks.Gateway.Apis;

public static class TaskApi
{
    private static readonly JsonSerializerOptions RequestJson = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        PropertyNameCaseInsensitive = false,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    public const string IdempotencyKeyHeader = "Idempotency-Key";

    public static string SocketUrl(Guid taskId) => $"/ws/task/{taskId}";

    public static IEndpointRouteBuilder MapTaskApi(this IEndpointRouteBuilder app)
    {
        var tasks = app.MapGroup("/api/tasks").RequireAuthorization().WithTags("Tasks");
        tasks.MapPost("", CreateAsync)
            .Accepts<CreateTaskRequest>("application/json")
            .WithSummary("Accept an index task over inline documents or a directory source.");
        tasks.MapGet("", ListAsync).WithSummary("The caller's tasks, newest first, filtered and cursor-paged; admins may list everyone's with scope=all.");
        tasks.MapGet("{taskId}", GetAsync).WithSummary("A task's current state.");
        tasks.MapGet("{taskId}/result", GetResultAsync).WithSummary("A task's per-document outcomes, paged.");
        tasks.MapPost("{taskId}/cancel", CancelAsync).WithSummary("Cancel a task that has not ended.");
        return app;
    }

    private static async Task<Results<Accepted<TaskAccepted>, ProblemHttpResult, ValidationProblem>> CreateAsync(
        HttpContext context, ClaimsPrincipal user, IGrainFactory grains, IOptions<TasksOptions> options)
    {
        var limits = options.Value;
        if (context.Request.ContentLength > limits.MaxRequestBytes)
        {
            return Problems.TooLarge($"A request body is at most {limits.MaxRequestBytes} bytes.");
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeLimit)
        {
            sizeLimit.MaxRequestBodySize = limits.MaxRequestBytes;
        }

        if (!context.Request.HasJsonContentType())
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "JSON expected",
                detail: "Send the task as 'application/json'.");
        }

        CreateTaskRequest? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<CreateTaskRequest>(context.Request.Body, RequestJson, context.RequestAborted);
        }
        catch (JsonException exception)
        {
            return Problems.Invalid("body", $"The body is not a valid task at '{exception.Path ?? "$"}': check the field names and types.");
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Problems.TooLarge($"A request body is at most {limits.MaxRequestBytes} bytes.");
        }

        if (body is null)
        {
            return Problems.Invalid("body", "The body must be a JSON object.");
        }

        if (CheckSizes(body, limits) is { } tooLarge)
        {
            return tooLarge;
        }

        if (body.Documents?.IndexOf(null) is >= 0 and var nullAt)
        {
            return Problems.Invalid($"documents[{nullAt}]", "A document must be an object with 'id' and 'content'.");
        }

        var request = new StartIndexTask(
            user.Subject(),
            body.Collection ?? "",
            body.Documents is null ? [] : [.. body.Documents.Select(d => new IndexDocument(d!.Id!, d.Title, d.Content!))],
            body.Source is null ? null : new DirectorySource(body.Source.Directory ?? "", body.Source.Pattern ?? ""));
        var taskId = Guid.NewGuid();
        IIdempotencyKeyGrain? key = null;
        if (context.Request.Headers[IdempotencyKeyHeader].ToString() is { Length: > 0 } idempotencyKey)
        {
            if (idempotencyKey.Length > 255 || idempotencyKey.Any(c => c < 0x21 || c > 0x7E))
            {
                return Problems.Invalid(IdempotencyKeyHeader, "An Idempotency-Key is 1–255 visible ASCII characters.");
            }

            key = grains.GetGrain<IIdempotencyKeyGrain>(IIdempotencyKeyGrain.KeyFor(request.OwnerId, idempotencyKey));
            var claim = await key.Claim(taskId, RequestFingerprint.Of(request));
            if (!claim.MatchesFirstRequest)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "Idempotency key reused",
                    detail: "This Idempotency-Key was first used with a different request; use a new key for a new task.");
            }

            taskId = claim.TaskId;
        }

        try
        {
            // Starting is idempotent: a task that already exists answers with its current state.
            var accepted = await grains.GetGrain<IIndexTaskGrain>(taskId).Start(request);
            return TypedResults.Accepted($"/api/tasks/{taskId}", new TaskAccepted(taskId, accepted.Status.ToWireName(), SocketUrl(taskId)));
        }
        catch (InvalidTaskRequestException exception)
        {
            if (key is not null)
            {
                await key.Release(taskId);
            }

            return Problems.Invalid(exception);
        }
    }

    private static ProblemHttpResult? CheckSizes(CreateTaskRequest body, TasksOptions limits)
    {
        if (body.Documents is { } documents)
        {
            if (documents.Count > limits.MaxDocuments)
            {
                return Problems.TooLarge($"A task holds at most {limits.MaxDocuments} documents; this one has {documents.Count}.");
            }

            for (var i = 0; i < documents.Count; i++)
            {
                if (documents[i]?.Content is { } content && Encoding.UTF8.GetByteCount(content) > limits.MaxDocumentBytes)
                {
                    return Problems.TooLarge($"documents[{i}] is larger than {limits.MaxDocumentBytes} bytes.");
                }
            }
        }

        return null;
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

        if (scope is not (null or "" or "mine" or "all"))
        {
            return Problems.Invalid("scope", "'scope' must be 'mine' or 'all'.");
        }

        if (scope == "all" && !user.IsAdmin())
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Admins only",
                detail: "Only admins may list every user's tasks.");
        }

        try
        {
            var page = await grains.GetGrain<ITaskHistoryGrain>(0).List(new HistoryQuery(
                scope == "all" ? null : user.Subject(), wanted, string.IsNullOrEmpty(collection) ? null : collection,
                createdFrom, createdBefore, cursor, limit));
            return TypedResults.Ok(new HistoryView([.. page.Items.Select(TaskSummaryView.From)], page.NextCursor));
        }
        catch (InvalidTaskRequestException exception)
        {
            return Problems.Invalid(exception);
        }
    }

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

    /// <summary>The task if it exists and the caller may see it; malformed ids, unknown ids and other users' tasks look alike.</summary>
    internal static async Task<IndexTaskSnapshot?> FindVisibleAsync(string taskId, ClaimsPrincipal user, IGrainFactory grains)
    {
        if (!Guid.TryParse(taskId, out var id))
        {
            return null;
        }

        var task = await grains.GetGrain<IIndexTaskGrain>(id).GetSnapshot();
        return user.MaySee(task) ? task : null;
    }
}
