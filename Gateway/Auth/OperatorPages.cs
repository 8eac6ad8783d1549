using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http.HttpResults;
using Orleans.Dashboard;

namespace OrleansTasks.Gateway.Auth;

/// <summary>
/// Operator pages — the Orleans Dashboard at <see cref="DashboardPath"/> — for the <c>admin</c>
/// role. A browser cannot send a bearer token with a page load, so an admin exchanges their token
/// (<c>POST /api/operator-session</c>) for a cookie that is HttpOnly, SameSite=Strict and scoped to
/// the operator pages' path. The cookie is accepted there and nowhere else: the API and the
/// WebSockets keep accepting bearer tokens and tickets only.
/// </summary>
public static class OperatorPages
{
    public const string DashboardPath = "/orleans";
    public const string Scheme = "OperatorCookie";
    public const string Policy = "Operators";

    public static void AddOperatorPages(this IServiceCollection services)
    {
        services.AddAuthentication()
            .AddCookie(Scheme, cookie =>
            {
                cookie.Cookie.Name = "orleans-tasks-operator";
                cookie.Cookie.Path = DashboardPath;
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Strict;
                cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                cookie.ExpireTimeSpan = TimeSpan.FromHours(1);
                cookie.SlidingExpiration = false;
                cookie.Events.OnRedirectToLogin = context =>
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    return Task.CompletedTask;
                };
                cookie.Events.OnRedirectToAccessDenied = context =>
                {
                    context.Response.StatusCode = StatusCodes.Status403Forbidden;
                    return Task.CompletedTask;
                };
            });
        services.AddAuthorizationBuilder().AddPolicy(Policy, policy => policy
            .AddAuthenticationSchemes(Scheme)
            .RequireAuthenticatedUser()
            .RequireRole(Roles.Admin));
    }

    public static WebApplication MapOperatorPages(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapPost("/api/operator-session", StartSessionAsync)
            .RequireAuthorization(new Microsoft.AspNetCore.Authorization.AuthorizeAttribute { AuthenticationSchemes = JwtBearerDefaults.AuthenticationScheme })
            .WithTags("Auth")
            .WithSummary($"For admins: a cookie for the operator pages under {DashboardPath}/ (the Orleans Dashboard).");
        app.MapOrleansDashboard(DashboardPath).RequireAuthorization(Policy).ExcludeFromDescription();
        return app;
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> StartSessionAsync(HttpContext context, ClaimsPrincipal user)
    {
        if (!user.IsAdmin())
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Admins only",
                detail: "The operator pages are for the admin role.");
        }

        var identity = new ClaimsIdentity(
            [new Claim(TokenClaims.Subject, user.Subject()), new Claim(TokenClaims.Role, Roles.Admin)],
            Scheme, TokenClaims.Subject, TokenClaims.Role);
        var expires = user.ExpiresAt() is { } tokenExpiry && tokenExpiry < DateTimeOffset.UtcNow.AddHours(1) ? tokenExpiry : DateTimeOffset.UtcNow.AddHours(1);
        await context.SignInAsync(Scheme, new ClaimsPrincipal(identity), new AuthenticationProperties { ExpiresUtc = expires, IsPersistent = false });
        return TypedResults.NoContent();
    }
}
