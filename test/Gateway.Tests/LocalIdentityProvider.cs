using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.Tokens;

namespace OrleansTasks.Gateway.Tests;

/// <summary>
/// An OpenID Connect provider as far as a resource server sees one: discovery metadata and a key
/// set with one RS256 key, served over loopback by a small Kestrel app the test owns.
/// </summary>
public sealed class LocalIdentityProvider : IAsyncDisposable
{
    public const string KeyId = "test-key-1";

    private readonly WebApplication _app;

    private LocalIdentityProvider(WebApplication app, string authority, RSA key)
    {
        _app = app;
        Authority = authority;
        Key = key;
    }

    public string Authority { get; }

    /// <summary>The provider's signing key; its public half is what the key set publishes.</summary>
    public RSA Key { get; }

    /// <param name="address">Where it listens: loopback, or an address containers reach, such as the host's on a Docker network.</param>
    public static async Task<LocalIdentityProvider> StartAsync(string address = "127.0.0.1")
    {
        var port = GatewayFactory.FreePort();
        var authority = $"http://{address}:{port}";
        var key = RSA.Create(2048);
        var publicKey = key.ExportParameters(includePrivateParameters: false);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(authority);
        var app = builder.Build();
        app.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = authority,
            ["jwks_uri"] = authority + "/jwks",
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
        }));
        app.MapGet("/jwks", () => Results.Json(new Dictionary<string, object>
        {
            ["keys"] = new[]
            {
                new Dictionary<string, string>
                {
                    ["kty"] = "RSA",
                    ["use"] = "sig",
                    ["alg"] = "RS256",
                    ["kid"] = KeyId,
                    ["n"] = Base64UrlEncoder.Encode(publicKey.Modulus),
                    ["e"] = Base64UrlEncoder.Encode(publicKey.Exponent),
                },
            },
        }));
        await app.StartAsync();
        return new LocalIdentityProvider(app, authority, key);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        Key.Dispose();
    }
}
