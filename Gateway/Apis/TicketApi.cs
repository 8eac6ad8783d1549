using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using OrleansTasks.Gateway.Auth;

namespace OrleansTasks.Gateway.Apis;

/// <summary><c>POST /api/ws-tickets</c>: a single-use ticket to open a socket with, so that no token goes into a URL.</summary>
public static class TicketApi
{
    public sealed record TicketResponse(string Ticket, int ExpiresIn);

    public static IEndpointRouteBuilder MapTicketApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/ws-tickets", IssueAsync)
            .RequireAuthorization()
            .WithTags("Auth")
            .WithSummary("A single-use ticket for ws://HOST/ws/...?ticket=, redeemable once within 30 seconds.");
        return app;
    }

    private static async Task<Ok<TicketResponse>> IssueAsync(ClaimsPrincipal user, SocketTickets tickets) =>
        TypedResults.Ok(new TicketResponse(await tickets.IssueAsync(user), (int)SocketTickets.Lifetime.TotalSeconds));
}
