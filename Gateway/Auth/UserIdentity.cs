using System.Globalization;
using System.Security.Claims;

namespace OrleansTasks.Gateway.Auth;

public static class UserIdentity
{
    public static string Subject(this ClaimsPrincipal user) =>
        user.FindFirst(TokenClaims.Subject)?.Value
        ?? throw new InvalidOperationException("An authenticated principal has no 'sub' claim.");

    public static bool IsAdmin(this ClaimsPrincipal user) => user.IsInRole(Roles.Admin);

    /// <summary>Owners see their own tasks and batches; admins see every one.</summary>
    public static bool MaySee(this ClaimsPrincipal user, IFeedSnapshot? item) =>
        item is not null && (item.OwnerId == user.Subject() || user.IsAdmin());

    public static DateTimeOffset? ExpiresAt(this ClaimsPrincipal user) =>
        long.TryParse(user.FindFirst(TokenClaims.Expires)?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;
}
