using Microsoft.AspNetCore.Http.HttpResults;

namespace OrleansTasks.Gateway.Apis;

/// <summary>
/// The <c>Idempotency-Key</c> handling shared by the create endpoints and run now: the id to create under,
/// the key to release if the request is refused, or the problem to answer instead.
/// </summary>
internal sealed record IdempotentCreate(Guid Id, IIdempotencyKeyGrain? Key, ProblemHttpResult? Conflict, ValidationProblem? Invalid)
{
    public const string Header = "Idempotency-Key";

    public const string InvalidKey = "An Idempotency-Key is 1–255 visible ASCII characters.";

    public const string Description = "Optional, 1–255 visible ASCII characters: a retry with the same key and the same request "
        + "answers what the first one started; the same key with a different request is refused with 422.";

    /// <summary>
    /// Without a key: a fresh id. With one: the id first claimed with the key in
    /// <paramref name="scope"/> by this user, or 422 when the key came with a different request.
    /// </summary>
    public static async Task<IdempotentCreate> ClaimAsync(
        string? idempotencyKey, IGrainFactory grains, string ownerId, string scope, string fingerprint)
    {
        var id = Guid.NewGuid();
        if (string.IsNullOrEmpty(idempotencyKey))
        {
            return new(id, null, null, null);
        }

        if (!IsValid(idempotencyKey))
        {
            return new(id, null, null, Problems.Invalid(Header, InvalidKey));
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

    /// <summary>
    /// The id of a request that grains make idempotent themselves (run now): derived from the
    /// user's key in <paramref name="scope"/>, so a retry with the same key gets the same id; a
    /// fresh id without one; null when the key is malformed.
    /// </summary>
    public static Guid? RequestId(string? idempotencyKey, string ownerId, string scope)
    {
        if (string.IsNullOrEmpty(idempotencyKey))
        {
            return Guid.NewGuid();
        }

        if (!IsValid(idempotencyKey))
        {
            return null;
        }

        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{ownerId}\n{scope}\n{idempotencyKey}"));
        return new Guid(hash.AsSpan(0, 16));
    }

    private static bool IsValid(string idempotencyKey) =>
        idempotencyKey.Length <= 255 && idempotencyKey.All(c => c is >= (char)0x21 and <= (char)0x7E);

    /// <summary>The request was refused: the key may be used again.</summary>
    public Task ReleaseAsync() => Key?.Release(Id) ?? Task.CompletedTask;
}
