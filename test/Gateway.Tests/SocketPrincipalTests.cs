using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using OrleansTasks.Gateway.Auth;

namespace OrleansTasks.Gateway.Tests;

/// <summary>A socket's request lives as long as the socket: what its validated token leaves behind must be small.</summary>
public sealed class SocketPrincipalTests
{
    private static readonly Claim[] TokenClaimsFromIssuer =
    [
        new(TokenClaims.Subject, "alice"),
        new(TokenClaims.Role, "admin"),
        new(TokenClaims.Role, "user"),
        new(TokenClaims.Expires, "1893456000"),
        new("iss", "orleans-tasks"),
        new("aud", "orleans-tasks"),
        new("iat", "1893452400"),
        new("nbf", "1893452400"),
        new("jti", "2f1e4c1c0c7a4f4c9d43b0d0a5a7f0a1"),
        new("email", "alice@example.com"),
    ];

    [Theory]
    [InlineData("/ws/task/5d7e0c3a-0000-4000-8000-000000000001")]
    [InlineData("/ws/batch/5d7e0c3a-0000-4000-8000-000000000002")]
    public async Task A_socket_request_keeps_only_subject_roles_and_expiry(string path)
    {
        var principal = await ValidatedPrincipalAsync(path);

        Assert.Equal(
            ["sub=alice", "role=admin", "role=user", "exp=1893456000"],
            principal.Claims.Select(claim => $"{claim.Type}={claim.Value}"));
        Assert.True(principal.Identity!.IsAuthenticated);
        Assert.Equal("alice", principal.Identity.Name);
        Assert.True(principal.IsInRole("admin"));
    }

    [Fact]
    public async Task An_api_request_keeps_every_claim_of_its_token()
    {
        var principal = await ValidatedPrincipalAsync("/api/tasks");

        Assert.Equal(TokenClaimsFromIssuer.Length, principal.Claims.Count());
        Assert.Equal("alice@example.com", principal.FindFirst("email")?.Value);
    }

    private static async Task<ClaimsPrincipal> ValidatedPrincipalAsync(string path)
    {
        var options = new JwtBearerOptions();
        new JwtSetup(Options.Create(new AuthOptions()), new SigningKeyHolder(null)).Configure(options);
        var http = new DefaultHttpContext();
        http.Request.Path = path;
        var identity = new ClaimsIdentity(TokenClaimsFromIssuer, JwtBearerDefaults.AuthenticationScheme, TokenClaims.Subject, TokenClaims.Role);
        var context = new TokenValidatedContext(http, new AuthenticationScheme(JwtBearerDefaults.AuthenticationScheme, null, typeof(JwtBearerHandler)), options)
        {
            Principal = new ClaimsPrincipal(identity),
        };

        await options.Events.TokenValidated(context);
        return context.Principal!;
    }
}
