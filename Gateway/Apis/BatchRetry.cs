using System.ComponentModel;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace OrleansTasks.Gateway.Apis;

/// <summary>
/// <c>POST /api/batches/{id}/retry</c>: an ended batch's failed and cancelled tasks retried as a new batch,
/// answered like a batch create. With an <c>Idempotency-Key</c> a repeated request answers the same new batch.
/// </summary>
internal static class BatchRetry
{
    public static Task<Results<Accepted<BatchAccepted>, ProblemHttpResult, ValidationProblem>> HandleAsync(
        string batchId,
        [FromHeader(Name = IdempotentCreate.Header), Description(IdempotentCreate.Description)] string? idempotencyKey,
        ClaimsPrincipal user,
        HttpContext http,
        IGrainFactory grains) =>
        RetryEndpoint.HandleAsync(batchId, idempotencyKey, user, http, "batch", ClusterSupport.EverySiloServes<IBatchRetry>(http.RequestServices),
            ClusterSupport.UnknownToSilo<IBatchRetry>,
            id => grains.GetGrain<IBatchGrain>(id).GetSnapshot(),
            batch => batch.BatchId,
            async (id, requestedBy, requestId) =>
            {
                var retry = await grains.GetGrain<IBatchRetry>(id).Retry(requestedBy, requestId);
                return ($"/api/batches/{retry.BatchId}", BatchCreation.Accepted(retry));
            },
            BatchApi.BatchNotFound);
}
