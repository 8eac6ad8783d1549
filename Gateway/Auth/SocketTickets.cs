using System.Buffers;
using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.WebUtilities;

namespace OrleansTasks.Gateway.Auth;

/// <summary>
/// Single-use WebSocket tickets: 256 random bits, good for one redemption within
/// <see cref="Lifetime"/>, at any gateway of the cluster. A socket opened with a ticket lives like
/// one opened with the token the ticket was issued against (same user, roles and expiry).
/// </summary>
public sealed class SocketTickets(IGrainFactory grains)
{
    public const string AuthenticationType = "ticket";
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);

    /// <summary>The length of an issued ticket: 32 random bytes in base64url, unpadded.</summary>
    private const int IssuedLength = 43;

    private static readonly SearchValues<char> Base64UrlCharacters =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    public async Task<string> IssueAsync(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var ticket = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        var holder = new TicketHolder(user.Subject(), [.. user.FindAll(TokenClaims.Role).Select(claim => claim.Value)], user.ExpiresAt());
        if (!await Grain(ticket).IssueFor(holder, Lifetime))
        {
            throw new InvalidOperationException("A freshly drawn ticket was already issued.");
        }

        return ticket;
    }

    /// <summary>The user the ticket stands for, once; null for an unknown, used or expired ticket.</summary>
    public async Task<ClaimsPrincipal?> RedeemAsync(string ticket)
    {
        if (!IsWellFormed(ticket))
        {
            return null;
        }

        if (await Grain(ticket).Redeem() is not { } holder)
        {
            return null;
        }

        var claims = new List<Claim> { new(TokenClaims.Subject, holder.Subject) };
        claims.AddRange(holder.Roles.Select(role => new Claim(TokenClaims.Role, role)));
        if (holder.TokenExpiresAt is { } expires)
        {
            claims.Add(new Claim(TokenClaims.Expires, expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, AuthenticationType, TokenClaims.Subject, TokenClaims.Role));
    }

    /// <summary>
    /// Whether <paramref name="ticket"/> has the form of an issued one (32 bytes in unpadded base64url):
    /// anything else is refused before a grain is called, so made-up tickets activate no grain.
    /// </summary>
    internal static bool IsWellFormed(string ticket) =>
        ticket.Length == IssuedLength && ticket.AsSpan().IndexOfAnyExcept(Base64UrlCharacters) < 0;

    /// <summary>The key of a ticket's grain: its hash, so that storage and logs never hold a ticket.</summary>
    internal static string GrainKey(string ticket) => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(ticket)));

    private ISocketTicketGrain Grain(string ticket) => grains.GetGrain<ISocketTicketGrain>(GrainKey(ticket));
}
