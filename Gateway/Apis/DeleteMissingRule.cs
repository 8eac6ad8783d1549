using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using OrleansTasks.Gateway.Auth;

namespace OrleansTasks.Gateway.Apis;

/// <summary>
/// Who may ask for <c>delete_missing</c>: admins only. A collection is shared by everyone who writes to it,
/// and the index keeps no owner with a document (only the task that last wrote it, whose record retention
/// purges), so a removal cannot be limited to the caller's own documents; it would remove what other users
/// wrote. Checked when a task, batch or schedule is created; a retry re-runs what its task asked for.
/// </summary>
internal static class DeleteMissingRule
{
    public const string Detail =
        "'delete_missing' removes every document of the collection its source no longer holds, whoever wrote it: only admins may ask for it.";

    /// <summary>403 for a caller who is not an admin; null for an admin.</summary>
    public static ProblemHttpResult? Refuse(ClaimsPrincipal user) =>
        user.IsAdmin() ? null : TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Admins only", detail: Detail);
}
