using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace OrleansTasks.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public sealed class HealthApiTests(SharedGateway gateway)
{
    [Fact]
    public async Task Liveness_and_readiness_answer_without_credentials()
    {
        using var client = gateway.CreateHttpClient();

        var live = await client.GetStringAsync("/health/live");
        var ready = await client.GetFromJsonAsync<JsonElement>("/health/ready");

        Assert.Equal("Healthy", live);
        Assert.Equal("Healthy", ready.GetProperty("status").GetString());
        var cluster = Assert.Single(ready.GetProperty("checks").EnumerateArray());
        Assert.Equal("cluster", cluster.GetProperty("name").GetString());
        Assert.Equal("1 active silo(s)", cluster.GetProperty("description").GetString());
    }

    [Fact]
    public async Task The_api_refuses_requests_without_a_token()
    {
        using var client = gateway.CreateHttpClient();

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync($"/api/tasks/{Guid.NewGuid()}")).StatusCode);
    }
}
