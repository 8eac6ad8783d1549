using Microsoft.AspNetCore.Http.HttpResults;

namespace OrleansTasks.Gateway.Apis;

/// <summary>The problem answers of the retry endpoints: what each <see cref="RetryRefusal"/> is over HTTP.</summary>
internal static class RetryProblems
{
    /// <summary>The problem for a refused retry of a <paramref name="kind"/> (<c>task</c> or <c>batch</c>); <paramref name="notFound"/> for an unknown one.</summary>
    public static ProblemHttpResult For(RetryRefusedException refusal, string kind, HttpContext http, Func<ProblemHttpResult> notFound)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        ArgumentNullException.ThrowIfNull(notFound);
        return refusal.Reason switch
        {
            RetryRefusal.NotFound => notFound(),
            RetryRefusal.AlreadyRetried => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: $"The {kind} was already retried",
                detail: refusal.Message, extensions: new Dictionary<string, object?> { ["retried_by"] = refusal.RetriedBy }),
            RetryRefusal.NotEnded => Conflict($"The {kind} has not ended", refusal.Message),
            RetryRefusal.NothingToRetry => Conflict("Nothing to retry", refusal.Message),
            RetryRefusal.ClusterUpgrading => Upgrading(http),
            RetryRefusal.DocumentsGone => TypedResults.Problem(statusCode: StatusCodes.Status410Gone, title: "Documents no longer stored", detail: refusal.Message),
            _ => Conflict("Source cannot be read", refusal.Message),
        };
    }

    /// <summary>
    /// 503 while silos of an earlier release are in the cluster, with <c>Retry-After</c>: a rolling upgrade
    /// replaces them within minutes, and nothing was created or changed.
    /// </summary>
    public static ProblemHttpResult Upgrading(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        http.Response.Headers.RetryAfter = UpgradeRetryAfterSeconds;
        return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Retry unavailable during an upgrade",
            detail: "Silos of an earlier release, which cannot run a retry, are still in the cluster; retry once every silo runs this release.");
    }

    /// <summary>The retry could not be created as its original was (a dependency that no longer exists, say).</summary>
    public static ProblemHttpResult NotCreated(InvalidRequestException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return Conflict("Retry not created", $"The retry could not be created: {exception.Message}");
    }

    private const string UpgradeRetryAfterSeconds = "60";

    private static ProblemHttpResult Conflict(string title, string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: title, detail: detail);
}
