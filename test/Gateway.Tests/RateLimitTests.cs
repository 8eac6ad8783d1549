using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

public sealed class RateLimitTests : IAsyncLifetime
{
    private readonly Uri _metrics = new($"http://127.0.0.1:{FreePorts.Next()}");
    private readonly GatewayFactory _gateway;

    public RateLimitTests() => _gateway = new(new Dictionary<string, string?>
    {
        ["Gateway:RequestsPerSecond"] = "1",
        ["Gateway:RequestBurst"] = "5",
        ["Gateway:AnonymousRequestsPerMinute"] = "5",
        ["Gateway:MetricsUrls"] = _metrics.ToString(),
    });

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync() => await _gateway.DisposeAsync();

    /// <summary>The gateway's count of REST requests refused by <paramref name="limit"/>, read from its metrics listener.</summary>
    private async Task<long> LimitedAsync(string limit)
    {
        _ = _gateway.BaseAddress;
        using var scraper = new HttpClient { BaseAddress = _metrics };
        var metrics = await scraper.GetStringAsync("/metrics");
        var line = metrics.Split('\n').SingleOrDefault(l =>
            l.StartsWith("orleans_tasks_gateway_requests_limited_total{", StringComparison.Ordinal) && l.Contains($"limit=\"{limit}\"", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task A_user_over_the_rest_limit_gets_429_with_retry_after_and_other_users_do_not()
    {
        using var alice = _gateway.CreateHttpClient(TestTokens.For("flooder"));
        using var bob = _gateway.CreateHttpClient(TestTokens.Bob);

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 10; i++)
        {
            var response = await alice.GetAsync("/api/tasks");
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                refused ??= response;
            }
            else
            {
                response.Dispose();
            }
        }

        using var bobs = await bob.GetAsync("/api/tasks");
        using var health = await alice.GetAsync("/health/live");

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.OK, 5), statuses.Take(5));
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses.Skip(5));
        Assert.NotNull(refused);
        Assert.InRange(int.Parse(refused.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture), 1, 60);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Too many requests", problem.GetProperty("title").GetString());
        Assert.Equal(429, problem.GetProperty("status").GetInt32());
        refused.Dispose();
        Assert.Equal(HttpStatusCode.OK, bobs.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        // The scrape counts every gateway of the test process (an OpenTelemetry meter provider listens to
        // each meter of the name), and other classes flood as users too: at least this test's refusals.
        Assert.InRange(await LimitedAsync("user"), statuses.Count(status => status == HttpStatusCode.TooManyRequests), long.MaxValue);
        Assert.Equal(0, await LimitedAsync("address"));
    }

    [Fact]
    public async Task Requests_without_a_token_are_limited_per_client_address()
    {
        using var anonymous = _gateway.CreateHttpClient();
        async Task<HttpStatusCode> TokenRequestAsync(string address, string path = "/api/auth/token")
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path)
            {
                Content = JsonContent.Create(new { username = "demo", password = "wrong" }),
            };
            request.Headers.Add("X-Forwarded-For", address);
            using var response = await anonymous.SendAsync(request);
            return response.StatusCode;
        }

        var guesses = new List<HttpStatusCode>();
        for (var i = 0; i < 8; i++)
        {
            // Routes match whatever the case: half the guesses spell the path otherwise.
            guesses.Add(await TokenRequestAsync("203.0.113.7", i % 2 == 0 ? "/api/auth/token" : "/API/Auth/Token"));
        }

        var elsewhere = await TokenRequestAsync("198.51.100.20");

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Unauthorized, 5), guesses.Take(5));
        Assert.Equal(Enumerable.Repeat(HttpStatusCode.TooManyRequests, 3), guesses.Skip(5));
        Assert.Equal(HttpStatusCode.Unauthorized, elsewhere);
        // No other gateway of the tests limits addresses below 100,000 a minute: the count is this test's.
        Assert.Equal(3, await LimitedAsync("address"));
    }
}
