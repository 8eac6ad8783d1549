using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using OrleansTasks.Gateway.Auth;
using OrleansTasks.Tasks;

namespace OrleansTasks.Gateway.Apis;

/// <summary>
/// What both retry endpoints (a task's, a batch's) do, in this order: find the item the caller may see
/// (else 404), turn the <c>Idempotency-Key</c> into the grain's request id (the same key, the same
/// answer), answer 503 while silos of an earlier release are in the cluster (they cannot read the retry
/// call, see <see cref="ITaskRetry"/>), ask the grain to retry as the caller, and answer 202 like a create
/// or the refusal's problem. A call that reached such a silo before this gateway's cluster manifest listed it
/// (the manifest refreshes periodically) is answered the same 503.
/// </summary>
internal static class RetryEndpoint
{
    /// <param name="kind">What the item is, as problems and key scopes name it: <c>task</c> or <c>batch</c>.</param>
    /// <param name="everySiloServes">Whether every silo serves the retry interface (<see cref="ClusterSupport"/>).</param>
    /// <param name="unknownToSilo">Whether a failure of the retry call is a silo not knowing its interface (<see cref="ClusterSupport.UnknownToSilo{TGrainInterface}"/>).</param>
    /// <param name="load">The item's snapshot, null when there is none.</param>
    /// <param name="retry">Retries the item (its id) for the requester and request id; returns the 202's location and body.</param>
    public static async Task<Results<Accepted<TAccepted>, ProblemHttpResult, ValidationProblem>> HandleAsync<TItem, TAccepted>(
        string id,
        string? idempotencyKey,
        ClaimsPrincipal user,
        HttpContext http,
        string kind,
        bool everySiloServes,
        Func<Exception, bool> unknownToSilo,
        Func<Guid, Task<TItem?>> load,
        Func<TItem, Guid> idOf,
        Func<Guid, string, Guid, Task<(string Location, TAccepted Body)>> retry,
        Func<ProblemHttpResult> notFound)
        where TItem : class, IOwned
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(idOf);
        ArgumentNullException.ThrowIfNull(retry);
        ArgumentNullException.ThrowIfNull(notFound);
        ArgumentNullException.ThrowIfNull(unknownToSilo);
        if (await VisibleItems.FindAsync(id, user, load) is not { } item)
        {
            return notFound();
        }

        if (IdempotentCreate.RequestId(idempotencyKey, user.Subject(), $"retry-{kind}:{idOf(item)}") is not { } requestId)
        {
            return Problems.Invalid(IdempotentCreate.Header, IdempotentCreate.InvalidKey);
        }

        if (!everySiloServes)
        {
            return RetryProblems.Upgrading(http);
        }

        try
        {
            var (location, body) = await retry(idOf(item), CancelledBy.User(user.Subject()), requestId);
            return TypedResults.Accepted(location, body);
        }
        catch (RetryRefusedException refusal)
        {
            return RetryProblems.For(refusal, kind, http, notFound);
        }
        catch (InvalidRequestException exception)
        {
            return RetryProblems.NotCreated(exception);
        }
        catch (Exception exception) when (unknownToSilo(exception))
        {
            return RetryProblems.Upgrading(http);
        }
    }
}
