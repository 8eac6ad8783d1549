using System.Net;
using System.Net.Http.Json;
using OrleansTasks.Gateway.Tests.Docker;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary>The site's gateways signing users in through an OpenID Connect provider instead of passwords.</summary>
public sealed partial class ComposeSiteTests
{
    /// <summary>
    /// README's settings for a provider: OIDC_AUTHORITY, OIDC_ISSUER (the authority's URL),
    /// OIDC_AUDIENCE, an empty SIGNING_KEY and a users file holding []. A gateway of the site started
    /// with them takes the provider's tokens for that issuer and audience, and refuses tokens of
    /// another issuer or audience, the site's own password tokens and password sign-in. The provider is the tests'
    /// local one, listening on this host's address on the site network; it serves its metadata
    /// over plain HTTP, so this gateway alone also gets Auth__RequireHttpsMetadata=false, a setting
    /// compose.yaml does not offer.
    /// </summary>
    private static async Task A_gateway_with_an_identity_provider_takes_its_tokens_only(ComposeSite site, HttpClient http, string directory)
    {
        const string container = "orleans-tasks-gateway-with-an-identity-provider";
        const string audience = "orleans-tasks-site-api";
        await using var provider = await LocalIdentityProvider.StartAsync(await site.HostAddressAsync());
        var noUsers = Path.Combine(directory, "users-none.json");
        await File.WriteAllTextAsync(noUsers, "[]");
        var environment = site.Environment;
        environment["OIDC_AUTHORITY"] = provider.Authority;
        environment["OIDC_ISSUER"] = provider.Authority;
        environment["OIDC_AUDIENCE"] = audience;
        environment["SIGNING_KEY"] = "";
        environment["USERS_FILE"] = RelativeToComposeFile(noUsers);
        var started = await site.RunAsync(environment, "run", "-d", "--no-deps", "--name", container, "-e", "Auth__RequireHttpsMetadata=false", "gateway");
        Assert.True(started.ExitCode == 0, $"the gateway with an identity provider did not start:\n{started.Tail}");
        try
        {
            using var gateway = new HttpClient { BaseAddress = new Uri($"http://{await site.AddressAsync(container)}:8800") };
            await Eventually.TrueAsync($"the gateway with an identity provider ({container}) to be ready", async () =>
            {
                await Task.Delay(TimeSpan.FromSeconds(1));
                try
                {
                    using var ready = await gateway.GetAsync(new Uri("/health/ready", UriKind.Relative));
                    return ready.IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            }, TimeSpan.FromMinutes(3));
            var tokens = new Dictionary<string, (string Token, HttpStatusCode Expected)>
            {
                ["the provider's, for its issuer and the site's audience"] =
                    (TestTokens.Rs256(provider.Key, LocalIdentityProvider.KeyId, "carol", provider.Authority, audience), HttpStatusCode.OK),
                ["the provider's key, another issuer"] =
                    (TestTokens.Rs256(provider.Key, LocalIdentityProvider.KeyId, "mallory", "https://another-issuer.example", audience), HttpStatusCode.Unauthorized),
                ["the provider's, for the default audience"] =
                    (TestTokens.Rs256(provider.Key, LocalIdentityProvider.KeyId, "mallory", provider.Authority), HttpStatusCode.Unauthorized),
                ["the site's own password token"] = (http.DefaultRequestHeaders.Authorization!.Parameter!, HttpStatusCode.Unauthorized),
            };
            var answers = new List<(string Token, HttpStatusCode Answered, HttpStatusCode Expected)>();
            foreach (var (name, (token, expected)) in tokens)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/api/tasks?limit=1");
                request.Headers.Authorization = new("Bearer", token);
                using var response = await gateway.SendAsync(request);
                answers.Add((name, response.StatusCode, expected));
            }

            using var signIn = await gateway.PostAsJsonAsync("/api/auth/token", new { username = "demo", password = Password });

            Assert.Equal(HttpStatusCode.NotFound, signIn.StatusCode);
            Assert.True(answers.All(answer => answer.Answered == answer.Expected),
                $"GET /api/tasks on the gateway with an identity provider, by token (answered, expected):\n{string.Join('\n', answers)}\n{await site.LogsAsync(container)}");
        }
        finally
        {
            await site.DockerOrFailAsync("rm", "-f", container);
        }
    }
}
