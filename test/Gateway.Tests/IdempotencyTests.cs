using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

[Collection(GatewayCollection.Name)]
public sealed class IdempotencyTests(SharedGateway gateway, PostgresServer postgres)
{
    private static async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(HttpClient client, JsonObject body, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/tasks") { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", key);
        using var response = await client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    [Fact]
    public async Task The_same_key_and_body_from_the_same_user_return_the_same_task()
    {
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        var body = TaskRequests.Body(20);
        var key = Guid.NewGuid().ToString();

        var first = await PostAsync(alice, body, key);
        var again = await PostAsync(alice, JsonNode.Parse(body.ToJsonString())!.AsObject(), key);

        Assert.Equal(HttpStatusCode.Accepted, first.Status);
        Assert.Equal(HttpStatusCode.Accepted, again.Status);
        Assert.Equal(first.Body.GetProperty("task_id").GetGuid(), again.Body.GetProperty("task_id").GetGuid());
    }

    [Fact]
    public async Task The_same_key_with_a_different_body_is_refused_with_422_and_creates_nothing()
    {
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        var key = Guid.NewGuid().ToString();
        var first = await PostAsync(alice, TaskRequests.Body(3, collection: "one"), key);

        var different = await PostAsync(alice, TaskRequests.Body(3, collection: "two"), key);

        Assert.Equal(HttpStatusCode.Accepted, first.Status);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, different.Status);
        Assert.Equal(422, different.Body.GetProperty("status").GetInt32());
        var task = await TaskRequests.GetAsync(alice, first.Body.GetProperty("task_id").GetGuid());
        Assert.Equal("one", task.GetProperty("collection").GetString());
    }

    [Fact]
    public async Task Keys_belong_to_their_user()
    {
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        using var bob = gateway.CreateHttpClient(TestTokens.Bob);
        var key = Guid.NewGuid().ToString();
        var body = TaskRequests.Body(3);

        var alices = await PostAsync(alice, body, key);
        var bobs = await PostAsync(bob, body, key);

        Assert.Equal(HttpStatusCode.Accepted, bobs.Status);
        Assert.NotEqual(alices.Body.GetProperty("task_id").GetGuid(), bobs.Body.GetProperty("task_id").GetGuid());
    }

    [Fact]
    public async Task A_refused_request_does_not_use_up_its_key_and_a_bad_key_is_refused()
    {
        using var alice = gateway.CreateHttpClient(TestTokens.Alice);
        var key = Guid.NewGuid().ToString();
        var invalid = new JsonObject { ["collection"] = "bad collection!", ["documents"] = new JsonArray(new JsonObject { ["id"] = "a", ["content"] = "x" }) };

        var refused = await PostAsync(alice, invalid, key);
        var corrected = await PostAsync(alice, TaskRequests.Body(2), key);
        var badKey = await PostAsync(alice, TaskRequests.Body(2), "has spaces");

        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Equal(HttpStatusCode.Accepted, corrected.Status);
        Assert.Equal(HttpStatusCode.BadRequest, badKey.Status);
    }

    [Fact]
    public async Task A_key_still_names_its_task_after_the_gateway_restarts()
    {
        var database = await postgres.CreateDatabaseAsync();
        await using var cluster = await RunningCluster.StartAsync(database, silos: 1);
        var key = Guid.NewGuid().ToString();
        var body = TaskRequests.Body(10);
        (HttpStatusCode Status, JsonElement Body) first;
        using (var http = new HttpClient { BaseAddress = cluster.GatewayAddress })
        {
            http.DefaultRequestHeaders.Authorization = new("Bearer", TestTokens.Alice);
            first = await PostAsync(http, body, key);
        }

        await cluster.Gateway.KillAsync();
        cluster.StartGateway();
        await cluster.WaitForActiveSilosAsync(1);
        using var restarted = new HttpClient { BaseAddress = cluster.GatewayAddress };
        restarted.DefaultRequestHeaders.Authorization = new("Bearer", TestTokens.Alice);
        var again = await PostAsync(restarted, body, key);

        Assert.Equal(HttpStatusCode.Accepted, first.Status);
        Assert.Equal(HttpStatusCode.Accepted, again.Status);
        Assert.Equal(first.Body.GetProperty("task_id").GetGuid(), again.Body.GetProperty("task_id").GetGuid());
    }
}
