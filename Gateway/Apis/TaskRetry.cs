using System.ComponentModel;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using OrleansTasks.Gateway.Auth;
using OrleansTasks.Tasks;

namespace OrleansTasks.Gateway.Apis;

/// <summary>
/// <c>POST /api/tasks/{id}/retry</c>: an ended task's failed and unprocessed documents as a new task, answered
/// like a create. Whoever may cancel the task may retry it; with an <c>Idempotency-Key</c> a repeated request
/// answers the same new task.
/// </summary>
internal static class TaskRetry
{
    public static async Task<Results<Accepted<TaskAccepted>, ProblemHttpResult, ValidationProblem>> HandleAsync(
        string taskId,
        [FromHeader(Name = IdempotentCreate.Header), Description(IdempotentCreate.Description)] string? idempotencyKey,
        ClaimsPrincipal user,
        IGrainFactory grains)
    {
        var task = await VisibleItems.FindAsync(taskId, user, id => grains.GetGrain<IIndexTaskGrain>(id).GetSnapshot());
        if (task is null)
        {
            return Problems.TaskNotFound();
        }

        if (IdempotentCreate.RequestId(idempotencyKey, user.Subject(), "retry:" + task.TaskId) is not { } requestId)
        {
            return Problems.Invalid(IdempotentCreate.Header, IdempotentCreate.InvalidKey);
        }

        try
        {
            var retry = await grains.GetGrain<IIndexTaskGrain>(task.TaskId).Retry(CancelledBy.User(user.Subject()), requestId);
            return TypedResults.Accepted($"/api/tasks/{retry.TaskId}", new TaskAccepted(retry.TaskId, retry.Status.ToWireName(), TaskApi.SocketUrl(retry.TaskId)));
        }
        catch (RetryRefusedException refusal)
        {
            return RetryProblems.For(refusal, "task", Problems.TaskNotFound);
        }
        catch (InvalidRequestException exception)
        {
            return RetryProblems.NotCreated(exception);
        }
    }
}
