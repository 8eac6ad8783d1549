using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using OrleansTasks.Gateway.Auth;

namespace OrleansTasks.Gateway.Apis;

public static class AuthApi
{
    [JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
    public sealed record TokenRequest(string? Username, string? Password);

    public sealed record TokenResponse(string AccessToken, string TokenType, int ExpiresIn);

    public static IEndpointRouteBuilder MapAuthApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/auth/token", IssueToken)
            .AllowAnonymous()
            .WithTags("Auth")
            .WithSummary("Exchange a username and password from Auth:Users for an access token.");
        return app;
    }

    private static Results<Ok<TokenResponse>, ProblemHttpResult, ValidationProblem> IssueToken(
        TokenRequest? request, UserDirectory users, TokenIssuer issuer, SigningKeyHolder keys)
    {
        if (!users.HasUsers || keys.Key is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Token issuing is off",
                detail: "This gateway has no users configured under Auth:Users; tokens come from your identity provider.");
        }

        if (string.IsNullOrEmpty(request?.Username) || string.IsNullOrEmpty(request.Password))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["username"] = ["'username' and 'password' are required."],
            });
        }

        var account = users.Verify(request.Username, request.Password);
        if (account is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Invalid credentials",
                detail: "The username or password is wrong.");
        }

        var (token, lifetime) = issuer.Issue(account);
        return TypedResults.Ok(new TokenResponse(token, "bearer", (int)lifetime.TotalSeconds));
    }
}
