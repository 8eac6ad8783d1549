using System.Security.Claims;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace OrleansTasks.Gateway.Auth;

/// <summary>Issues HS256 access tokens for users of the gateway's own user list.</summary>
public sealed class TokenIssuer(IOptions<AuthOptions> options, SigningKeyHolder keys, TimeProvider time)
{
    public (string Token, TimeSpan Lifetime) Issue(UserAccount account)
    {
        var key = keys.Key ?? throw new InvalidOperationException("Tokens cannot be issued when an external authority signs them.");
        var settings = options.Value;
        var now = time.GetUtcNow().UtcDateTime;
        var claims = new List<Claim> { new(TokenClaims.Subject, account.Username) };
        claims.AddRange(account.Roles.Select(role => new Claim(TokenClaims.Role, role)));
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = settings.Issuer,
            Audience = settings.Audience,
            Subject = new ClaimsIdentity(claims),
            IssuedAt = now,
            NotBefore = now,
            Expires = now + settings.TokenLifetime,
            SigningCredentials = new SigningCredentials(key.Key, SecurityAlgorithms.HmacSha256),
        });
        return (token, settings.TokenLifetime);
    }
}

/// <summary>The signing key decided at start, or none when an external authority is used.</summary>
public sealed record SigningKeyHolder(SigningKey? Key);
