using System.Security.Claims;
using System.Security.Cryptography;
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

    /// <summary>An RS256 token signed with <paramref name="key"/>, as an OpenID Connect provider issues them.</summary>
    public static string Rs256(RSA key, string keyId, string subject, string issuer, string audience = "orleans-tasks", DateTime? expires = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        var now = DateTime.UtcNow;
        var expiry = expires ?? now.AddHours(1);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Subject = new ClaimsIdentity([new Claim("sub", subject)]),
            IssuedAt = expiry < now ? expiry.AddMinutes(-10) : now,
            NotBefore = expiry < now ? expiry.AddMinutes(-10) : now,
            Expires = expiry,
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(key) { KeyId = keyId }, SecurityAlgorithms.RsaSha256),
        });
    }

    /// <summary>A token with a header and payload of the caller's choosing, signed with HS256 over <paramref name="hmacKey"/>, or unsigned when it is null.</summary>
    public static string Forged(string headerJson, string payloadJson, byte[]? hmacKey)
    {
        var signingInput = Base64UrlEncoder.Encode(headerJson) + "." + Base64UrlEncoder.Encode(payloadJson);
        if (hmacKey is null)
        {
            return signingInput + ".";
        }

        using var hmac = new HMACSHA256(hmacKey);
        return signingInput + "." + Base64UrlEncoder.Encode(hmac.ComputeHash(Encoding.ASCII.GetBytes(signingInput)));
    }

    /// <summary>The claims of a valid token for <paramref name="subject"/>, as JSON, for forging.</summary>
    public static string Payload(string subject, string issuer = "orleans-tasks", string audience = "orleans-tasks")
    {
        var now = DateTimeOffset.UtcNow;
        return $$"""{"sub":"{{subject}}","iss":"{{issuer}}","aud":"{{audience}}","iat":{{now.ToUnixTimeSeconds()}},"nbf":{{now.ToUnixTimeSeconds()}},"exp":{{now.AddHours(1).ToUnixTimeSeconds()}}}""";
    }

    public static string Alice => For("alice");

    public static string Bob => For("bob");

    public static string Admin => For("root", ["admin"]);
}
