using Microsoft.AspNetCore.Http.HttpResults;

namespace OrleansTasks.Gateway.Apis;

/// <summary>
/// The <c>Idempotency-Key</c> handling shared by task and batch creation: the id to create under,
/// the key to release if the request is refused, or the problem to answer instead.
/// </summary>
internal sealed record IdempotentCreate(Guid Id, IIdempotencyKeyGrain? Key, ProblemHttpResult? Conflict, ValidationProblem? Invalid)
{
    public const string Header = "Idempotency-Key";

    /// <summary>
    /// Without the header: a fresh id. With it: the id first claimed with the key in
    /// <paramref name="scope"/> by this user, or 422 when the key came with a different request.
    /// </summary>
    public static async Task<IdempotentCreate> ClaimAsync(
        HttpContext context, IGrainFactory grains, string ownerId, string scope, string fingerprint)
    {
        var id = Guid.NewGuid();
        if (context.Request.Headers[Header].ToString() is not { Length: > 0 } idempotencyKey)
        {
            return new(id, null, null, null);
        }

        if (idempotencyKey.Length > 255 || idempotencyKey.Any(c => c < 0x21 || c > 0x7E))
        {
            return new(id, null, null, Problems.Invalid(Header, "An Idempotency-Key is 1–255 visible ASCII characters."));
        }

        var key = grains.GetGrain<IIdempotencyKeyGrain>(IIdempotencyKeyGrain.KeyFor(ownerId, scope + idempotencyKey));
        var claim = await key.Claim(id, fingerprint);
        if (!claim.MatchesFirstRequest)
        {
            return new(id, null, TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "Idempotency key reused",
                detail: "This Idempotency-Key was first used with a different request; use a new key for a new request."), null);
        }

        return new(claim.TaskId, key, null, null);
    }

    /// <summary>The request was refused: the key may be used again.</summary>
    public Task ReleaseAsync() => Key?.Release(Id) ?? Task.CompletedTask;
}
