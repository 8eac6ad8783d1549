using System.ComponentModel;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace OrleansTasks.Gateway.Apis;

/// <summary>
/// <c>POST /api/tasks/{id}/retry</c>: an ended task's failed and unprocessed documents as a new task, answered
/// like a create. Whoever may cancel the task may retry it; with an <c>Idempotency-Key</c> a repeated request
/// answers the same new task.
/// </summary>
internal static class TaskRetry
{
    public static Task<Results<Accepted<TaskAccepted>, ProblemHttpResult, ValidationProblem>> HandleAsync(
        string taskId,
        [FromHeader(Name = IdempotentCreate.Header), Description(IdempotentCreate.Description)] string? idempotencyKey,
        ClaimsPrincipal user,
        HttpContext http,
        IGrainFactory grains) =>
        RetryEndpoint.HandleAsync(taskId, idempotencyKey, user, http, "task", ClusterSupport.EverySiloServes<ITaskRetry>(http.RequestServices),
            ClusterSupport.UnknownToSilo<ITaskRetry>,
            id => grains.GetGrain<IIndexTaskGrain>(id).GetSnapshot(),
            task => task.TaskId,
            async (id, requestedBy, requestId) =>
            {
                var retry = await grains.GetGrain<ITaskRetry>(id).Retry(requestedBy, requestId);
                return ($"/api/tasks/{retry.TaskId}", new TaskAccepted(retry.TaskId, retry.Status.ToWireName(), TaskApi.SocketUrl(retry.TaskId)));
            },
            Problems.TaskNotFound);
}
