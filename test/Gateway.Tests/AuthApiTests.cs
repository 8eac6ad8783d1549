using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public sealed class AuthApiTests(SharedGateway gateway)
{
    [Fact]
    public async Task A_configured_user_gets_a_bearer_token_that_the_api_accepts()
    {
        using var anonymous = gateway.CreateHttpClient();

        using var response = await anonymous.PostAsJsonAsync("/api/auth/token", new { username = "demo", password = "demo-password" });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        using var authorized = gateway.CreateHttpClient(body.GetProperty("access_token").GetString());
        var taskId = await TaskRequests.CreateAsync(authorized, TaskRequests.Body(1));
        var task = await TaskRequests.GetAsync(authorized, taskId);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("bearer", body.GetProperty("token_type").GetString());
        Assert.Equal(3600, body.GetProperty("expires_in").GetInt32());
        Assert.Equal("demo", task.GetProperty("owner_id").GetString());
    }

    [Theory]
    [InlineData("demo", "wrong")]
    [InlineData("nobody", "demo-password")]
    public async Task Wrong_credentials_get_401_with_a_problem_body(string username, string password)
    {
        using var anonymous = gateway.CreateHttpClient();

        using var response = await anonymous.PostAsJsonAsync("/api/auth/token", new { username, password });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Missing_credentials_get_400()
    {
        using var anonymous = gateway.CreateHttpClient();

        using var response = await anonymous.PostAsJsonAsync("/api/auth/token", new { username = "demo" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("""{"username":"demo","password":"demo-password","remember":true}""")]
    [InlineData("""{"Username":"demo","password":"demo-password"}""")]
    public async Task A_body_with_an_unknown_or_differently_cased_field_gets_400_with_a_problem_body(string body)
    {
        using var anonymous = gateway.CreateHttpClient();

        using var response = await anonymous.PostAsync("/api/auth/token", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task The_admin_user_gets_the_admin_role()
    {
        using var anonymous = gateway.CreateHttpClient();
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        var taskId = await TaskRequests.CreateAsync(alice, TaskRequests.Body(1));

        using var response = await anonymous.PostAsJsonAsync("/api/auth/token", new { username = "admin", password = "admin-password" });
        var token = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString();
        using var admin = gateway.CreateHttpClient(token);

        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/api/tasks/{taskId}")).StatusCode);
    }
}
