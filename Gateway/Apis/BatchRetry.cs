using System.ComponentModel;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using OrleansTasks.Gateway.Auth;
using OrleansTasks.Tasks;

namespace OrleansTasks.Gateway.Apis;

/// <summary>
/// <c>POST /api/batches/{id}/retry</c>: an ended batch's failed and cancelled tasks retried as a new batch,
/// answered like a batch create. With an <c>Idempotency-Key</c> a repeated request answers the same new batch.
/// </summary>
internal static class BatchRetry
{
    public static async Task<Results<Accepted<BatchAccepted>, ProblemHttpResult, ValidationProblem>> HandleAsync(
        string batchId,
        [FromHeader(Name = IdempotentCreate.Header), Description(IdempotentCreate.Description)] string? idempotencyKey,
        ClaimsPrincipal user,
        IGrainFactory grains)
    {
        var batch = await VisibleItems.FindAsync(batchId, user, id => grains.GetGrain<IBatchGrain>(id).GetSnapshot());
        if (batch is null)
        {
            return BatchApi.BatchNotFound();
        }

        if (IdempotentCreate.RequestId(idempotencyKey, user.Subject(), "retry-batch:" + batch.BatchId) is not { } requestId)
        {
            return Problems.Invalid(IdempotentCreate.Header, IdempotentCreate.InvalidKey);
        }

        try
        {
            var retry = await grains.GetGrain<IBatchGrain>(batch.BatchId).Retry(CancelledBy.User(user.Subject()), requestId);
            return TypedResults.Accepted($"/api/batches/{retry.BatchId}", BatchCreation.Accepted(retry));
        }
        catch (RetryRefusedException refusal)
        {
            return RetryProblems.For(refusal, "batch", BatchApi.BatchNotFound);
        }
        catch (InvalidRequestException exception)
        {
            return RetryProblems.NotCreated(exception);
        }
    }
}
