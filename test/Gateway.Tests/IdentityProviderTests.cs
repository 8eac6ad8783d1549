using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;

using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>Tokens from an OpenID Connect provider (<c>Auth:Authority</c>): RS256 by its published keys, and nothing else.</summary>
public sealed class IdentityProviderTests : IAsyncLifetime
{
    private LocalIdentityProvider _provider = null!;
    private GatewayFactory _gateway = null!;

    public async ValueTask InitializeAsync()
    {
        _provider = await LocalIdentityProvider.StartAsync();
        _gateway = new GatewayFactory(new Dictionary<string, string?>
        {
            ["Auth:SigningKey"] = null,
            ["Auth:Authority"] = _provider.Authority,
            ["Auth:RequireHttpsMetadata"] = "false",
            ["Auth:Issuer"] = _provider.Authority,
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _provider.DisposeAsync();
    }

    private async Task<HttpStatusCode> ListTasksAsync(string token)
    {
        using var client = _gateway.CreateHttpClient(token);
        using var response = await client.GetAsync("/api/tasks");
        return response.StatusCode;
    }

    [Fact]
    public async Task A_token_signed_with_the_providers_published_key_is_accepted_over_rest_and_websocket()
    {
        var token = TestTokens.Rs256(_provider.Key, LocalIdentityProvider.KeyId, "carol", _provider.Authority);
        using var carol = _gateway.CreateHttpClient(token);
        var taskId = await TaskRequests.CreateAsync(carol, TaskRequests.Body(3));

        await using var socket = await SocketClient.ConnectAsync(_gateway.SocketUri($"/ws/task/{taskId}", token));
        var first = await socket.ReceiveAsync();

        Assert.Equal(HttpStatusCode.OK, await ListTasksAsync(token));
        Assert.Equal("connected", MessageAssert.Type(first!.Value));
    }

    [Fact]
    public async Task Tokens_not_signed_by_the_provider_are_refused_however_they_are_made()
    {
        using var stranger = RSA.Create(2048);
        var publicKeyPem = Encoding.ASCII.GetBytes(_provider.Key.ExportSubjectPublicKeyInfoPem());
        var header = """{"alg":"HS256","typ":"JWT","kid":"test-key-1"}""";
        var payload = TestTokens.Payload("mallory", issuer: _provider.Authority);
        var tokens = new Dictionary<string, string>
        {
            ["RS256 by another key, claiming the provider's key id"] = TestTokens.Rs256(stranger, LocalIdentityProvider.KeyId, "mallory", _provider.Authority),
            ["HS256 keyed with the provider's public key (algorithm confusion)"] = TestTokens.Forged(header, payload, publicKeyPem),
            ["alg none"] = TestTokens.Forged("""{"alg":"none","typ":"JWT"}""", payload, null),
            ["HS256 with the old shared key"] = TestTokens.For("mallory", issuer: _provider.Authority),
            ["RS256 by the provider for another audience"] = TestTokens.Rs256(_provider.Key, LocalIdentityProvider.KeyId, "mallory", _provider.Authority, audience: "another-api"),
            ["RS256 by the provider, expired"] = TestTokens.Rs256(_provider.Key, LocalIdentityProvider.KeyId, "mallory", _provider.Authority, expires: DateTime.UtcNow.AddMinutes(-2)),
        };

        foreach (var (name, token) in tokens)
        {
            Assert.True(await ListTasksAsync(token) == HttpStatusCode.Unauthorized, $"{name} was not refused");
            await using var socket = await SocketClient.ConnectAsync(_gateway.SocketUri($"/ws/task/{Guid.NewGuid()}", token));
            await socket.ReceiveUntilClosedAsync();
            Assert.Equal(WebSocketCloseStatus.PolicyViolation, socket.CloseStatus);
            Assert.Equal("Authentication failed", socket.CloseReason);
        }
    }
}
