using System.Globalization;
using System.Security.Claims;

namespace OrleansTasks.Gateway.Auth;

public static class UserIdentity
{
    public static string Subject(this ClaimsPrincipal user) =>
        user.FindFirst(TokenClaims.Subject)?.Value
        ?? throw new InvalidOperationException("An authenticated principal has no 'sub' claim.");

    public static bool IsAdmin(this ClaimsPrincipal user) => user.IsInRole(Roles.Admin);

    /// <summary>The one visibility rule: owners see their own tasks, batches and schedules; admins see every one.</summary>
    public static bool MaySee(this ClaimsPrincipal user, IOwned? item) =>
        item is not null && (item.OwnerId == user.Subject() || user.IsAdmin());

    /// <summary>
    /// A copy with only what a socket needs for its lifetime — subject, roles, expiry — so that a
    /// long-lived socket does not keep the whole validated token alive.
    /// </summary>
    public static ClaimsPrincipal Essentials(this ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var claims = user.Claims
            .Where(claim => claim.Type is TokenClaims.Subject or TokenClaims.Role or TokenClaims.Expires)
            .Select(claim => new Claim(claim.Type, claim.Value));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, user.Identity?.AuthenticationType, TokenClaims.Subject, TokenClaims.Role));
    }

    public static DateTimeOffset? ExpiresAt(this ClaimsPrincipal user) =>
        long.TryParse(user.FindFirst(TokenClaims.Expires)?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;
}
