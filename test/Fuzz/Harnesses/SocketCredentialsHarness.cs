using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using OrleansTasks.Gateway.Auth;

namespace OrleansTasks.Fuzz.Harnesses;

/// <summary>
/// The query string of a WebSocket upgrade as ASP.NET parses it, and what the endpoints check in it
/// before any grain call (the token taken from it by JwtSetup's own event): a <c>ticket</c> of another form than an issued one is refused (and an issued
/// one never is; a well-formed one maps to its grain's hashed key); a <c>token</c> goes through the JWT
/// handler exactly as <see cref="JwtSetup"/> configures it, which refuses it (401) unless it is a token
/// signed with the gateway's key for the harness's user, and never throws.
/// </summary>
internal sealed class SocketCredentialsHarness : IHarness
{
    /// <summary>The gateway's signing key here; <c>corpus/socket-credentials/signed</c> holds a token it signed, valid until 2100.</summary>
    public const string Key = "fuzz-harness-signing-key-32-bytes-long!";

    private static readonly Lazy<JwtBearerOptions> Jwt = new(Configure);

    public string Name => "socket-credentials";

    public string Covers => "?ticket= and ?token= of a WebSocket upgrade: the query parsed, SocketTickets' check before the grain call, the JWT handler as JwtSetup sets it up";

    public void Run(byte[] input)
    {
        // The upgrade request as the endpoint sees it; the JWT events take ?token= from it as they do in the gateway.
        var http = new DefaultHttpContext();
        http.Request.Path = "/ws/task/7";
        http.Request.QueryString = new QueryString("?" + Encoding.UTF8.GetString(input));
        if (http.Request.Query.TryGetValue("ticket", out var ticket))
        {
            CheckTicket(ticket.ToString());
        }

        var options = Jwt.Value;
        var received = new MessageReceivedContext(http, new AuthenticationScheme(JwtBearerDefaults.AuthenticationScheme, null, typeof(JwtBearerHandler)), options);
        options.Events.OnMessageReceived(received).GetAwaiter().GetResult();
        if (received.Token is { } token)
        {
            CheckToken(token);
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
        var handler = (JsonWebTokenHandler)Jwt.Value.TokenHandlers.Single();
        var result = handler.ValidateTokenAsync(token, Jwt.Value.TokenValidationParameters).GetAwaiter().GetResult();
        if (result.IsValid && result.ClaimsIdentity.FindFirst(TokenClaims.Subject)?.Value != "fuzz")
        {
            throw new InvalidOperationException($"The token {token} was accepted for {result.ClaimsIdentity.Name}.");
        }

        if (result.IsValid && Encoding.UTF8.GetByteCount(token) > JwtSetup.MaxTokenBytes)
        {
            throw new InvalidOperationException($"A token of {Encoding.UTF8.GetByteCount(token)} bytes was accepted.");
        }
    }

    private static JwtBearerOptions Configure()
    {
        var auth = new AuthOptions { SigningKey = Key };
        var jwt = new JwtBearerOptions();
        new JwtSetup(Options.Create(auth), new SigningKeyHolder(SigningKey.From(auth, isDevelopment: false)))
            .Configure(JwtBearerDefaults.AuthenticationScheme, jwt);
        return jwt;
    }
}
