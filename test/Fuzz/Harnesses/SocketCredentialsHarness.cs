using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OrleansTasks.Gateway.Auth;

namespace OrleansTasks.Fuzz.Harnesses;

/// <summary>
/// The query string of a WebSocket upgrade as ASP.NET parses it, and what the endpoints check in it
/// before any grain call: a <c>ticket</c> of another form than an issued one is refused (and an issued
/// one never is; a well-formed one maps to its grain's hashed key); a <c>token</c> goes through the JWT
/// handler exactly as <see cref="JwtSetup"/> configures it, which refuses it (401) unless it is a token
/// signed with the gateway's key for the harness's user, and never throws.
/// </summary>
internal sealed class SocketCredentialsHarness : IHarness
{
    /// <summary>The gateway's signing key here; <c>corpus/socket-credentials/signed</c> holds a token it signed, valid until 2100.</summary>
    public const string Key = "fuzz-harness-signing-key-32-bytes-long!";

    private static readonly Lazy<(JsonWebTokenHandler Handler, TokenValidationParameters Parameters)> Jwt = new(Configure);

    public string Name => "socket-credentials";

    public string Covers => "?ticket= and ?token= of a WebSocket upgrade: the query parsed, SocketTickets' check before the grain call, the JWT handler as JwtSetup sets it up";

    public void Run(byte[] input)
    {
        var query = QueryHelpers.ParseQuery("?" + Encoding.UTF8.GetString(input));
        if (query.TryGetValue("ticket", out var ticket))
        {
            CheckTicket(ticket.ToString());
        }

        if (query.TryGetValue("token", out var token))
        {
            CheckToken(token.ToString());
        }
    }

    private static void CheckTicket(string ticket)
    {
        if (SocketTickets.IsWellFormed(ticket) && SocketTickets.GrainKey(ticket) is var key && (key.Length != 64 || key.Any(c => !char.IsAsciiHexDigitLower(c))))
        {
            throw new InvalidOperationException($"The ticket {ticket} maps to the grain key {key}.");
        }

        // A ticket as issued (32 random bytes; here the ticket's hash) always passes the check.
        var issued = WebEncoders.Base64UrlEncode(SHA256.HashData(Encoding.UTF8.GetBytes(ticket)));
        if (!SocketTickets.IsWellFormed(issued))
        {
            throw new InvalidOperationException($"An issued ticket, {issued}, is refused before its grain call.");
        }
    }

    private static void CheckToken(string token)
    {
        var (handler, parameters) = Jwt.Value;
        var result = handler.ValidateTokenAsync(token, parameters).GetAwaiter().GetResult();
        if (result.IsValid && result.ClaimsIdentity.FindFirst(TokenClaims.Subject)?.Value != "fuzz")
        {
            throw new InvalidOperationException($"The token {token} was accepted for {result.ClaimsIdentity.Name}.");
        }

        if (result.IsValid && Encoding.UTF8.GetByteCount(token) > JwtSetup.MaxTokenBytes)
        {
            throw new InvalidOperationException($"A token of {Encoding.UTF8.GetByteCount(token)} bytes was accepted.");
        }
    }

    private static (JsonWebTokenHandler, TokenValidationParameters) Configure()
    {
        var auth = new AuthOptions { SigningKey = Key };
        var jwt = new JwtBearerOptions();
        new JwtSetup(Options.Create(auth), new SigningKeyHolder(SigningKey.From(auth, isDevelopment: false)))
            .Configure(JwtBearerDefaults.AuthenticationScheme, jwt);
        return ((JsonWebTokenHandler)jwt.TokenHandlers.Single(), jwt.TokenValidationParameters);
    }
}
