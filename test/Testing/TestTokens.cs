using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace OrleansTasks.Testing;

/// <summary>Tokens minted the way an identity provider would, good or deliberately bad.</summary>
public static class TestTokens
{
    /// <summary>The HS256 key test gateways are configured with.</summary>
    public const string SigningKey = "orleans-tasks-test-signing-key-0123456789abcdef";

    public static string For(
        string subject,
        string[]? roles = null,
        DateTime? expires = null,
        string issuer = "orleans-tasks",
        string audience = "orleans-tasks",
        string key = SigningKey,
        IDictionary<string, object>? extraClaims = null)
    {
        var now = DateTime.UtcNow;
        var claims = new List<Claim> { new("sub", subject) };
        claims.AddRange((roles ?? []).Select(role => new Claim("role", role)));
        var expiry = expires ?? now.AddHours(1);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Subject = new ClaimsIdentity(claims),
            IssuedAt = expiry < now ? expiry.AddMinutes(-10) : now,
            NotBefore = expiry < now ? expiry.AddMinutes(-10) : now,
            Expires = expiry,
            Claims = extraClaims,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), SecurityAlgorithms.HmacSha256),
        });
    }

    public static string Alice => For("alice");

    public static string Bob => For("bob");

    public static string Admin => For("root", ["admin"]);
}
