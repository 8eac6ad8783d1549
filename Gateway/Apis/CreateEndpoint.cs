using System.ComponentModel;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using OrleansTasks.Gateway.Auth;
using OrleansTasks.Tasks;

namespace OrleansTasks.Gateway.Apis;

/// <summary>
/// What every create endpoint (task, batch, schedule) does, in this order: answer a body that could not be read,
/// make the checks only HTTP makes, refuse <c>delete_missing</c> to a caller who may not ask for it, claim the <c>Idempotency-Key</c> (the same key with the same request creates
/// under the first call's id; with a different request it is 422), call the grain, and release the key when the
/// grain refuses the request so that it may be used again. A replay of a create whose item has been deleted since
/// is 409 (the key stays bound to it). Subclasses say only what differs.
/// </summary>
internal abstract class CreateEndpoint<TBody, TRequest, TCreated>
    where TBody : class, ICreateBody
    where TCreated : IResult
{
    /// <summary>Keeps a user's keys for different kinds apart: one key may create a task and a batch.</summary>
    protected abstract string KeyScope { get; }

    /// <summary>The refusal for a body the grain must not see (too large, null entries, unknown names), or null.</summary>
    protected abstract Results<TCreated, ProblemHttpResult, ValidationProblem>? Check(TBody body, TasksOptions limits);

    /// <summary>Whether the body asks for <c>delete_missing</c> anywhere (see <see cref="DeleteMissingRule"/>).</summary>
    protected abstract bool AsksDeleteMissing(TBody body);

    /// <summary>The grain request for a body that passed <see cref="Check"/>.</summary>
    protected abstract TRequest ToRequest(TBody body, string ownerId);

    /// <summary>Everything the request asks for, to tell a retry from a different request under the same key.</summary>
    protected abstract string Fingerprint(TRequest request);

    /// <summary>Creates (idempotently per <paramref name="id"/>) or throws an <see cref="InvalidRequestException"/>.</summary>
    protected abstract Task<TCreated> CreateAsync(IGrainFactory grains, Guid id, TRequest request);

    /// <summary>The grain request for a read body, or the refusal HTTP makes before any grain sees it (for the fuzzing harnesses).</summary>
    internal (TRequest? Request, IResult? Refusal) Prepare(TBody body, TasksOptions limits, string ownerId) =>
        Check(body, limits) is { } refused ? (default, refused.Result) : (ToRequest(body, ownerId), null);

    public async Task<Results<TCreated, ProblemHttpResult, ValidationProblem>> HandleAsync(
        JsonBody<TBody> body,
        [FromHeader(Name = IdempotentCreate.Header), Description(IdempotentCreate.Description)] string? idempotencyKey,
        ClaimsPrincipal user,
        IGrainFactory grains,
        IOptions<TasksOptions> options)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(options);
        if (body.Problem is { } problem)
        {
            return problem;
        }

        if (body.Invalid is { } invalid)
        {
            return invalid;
        }

        if (Check(body.Value!, options.Value) is { } refused)
        {
            return refused;
        }

        if (AsksDeleteMissing(body.Value!) && DeleteMissingRule.Refuse(user) is { } forbidden)
        {
            return forbidden;
        }

        var request = ToRequest(body.Value!, user.Subject());
        var claim = await IdempotentCreate.ClaimAsync(idempotencyKey, grains, user.Subject(), KeyScope, Fingerprint(request));
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
            return await CreateAsync(grains, claim.Id, request);
        }
        catch (InvalidRequestException exception)
        {
            await claim.ReleaseAsync();
            return Problems.Invalid(exception);
        }
        catch (DeletedSinceCreatedException deleted)
        {
            // The key keeps naming what it created: a replay must not bring a deleted item back.
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Created, then deleted", detail: deleted.Message);
        }
    }
}
