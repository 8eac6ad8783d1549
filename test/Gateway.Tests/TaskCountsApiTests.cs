using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using OrleansTasks.Testing;

namespace OrleansTasks.Gateway.Tests;

/// <summary><c>GET /api/tasks/counts</c>: how many tasks are in each status, for their owner or, for admins, everyone.</summary>
[Collection(GatewayCollection.Name)]
public sealed class TaskCountsApiTests(SharedGateway gateway)
{
    private static readonly string[] Fields = ["pending", "waiting", "processing", "completed", "failed", "cancelled", "total"];

    private static async Task<Dictionary<string, int>> CountsAsync(HttpClient client, string query = "")
    {
        var body = await client.GetFromJsonAsync<JsonElement>("/api/tasks/counts" + query);
        Assert.Equal(Fields, body.EnumerateObject().Select(field => field.Name));
        return Fields.ToDictionary(field => field, field => body.GetProperty(field).GetInt32());
    }

    private static string Describe(Dictionary<string, int> counts) => string.Join(", ", counts.Select(c => $"{c.Key} {c.Value}"));

    private static HttpClient NewUser(SharedGateway gateway) =>
        gateway.CreateHttpClient(TestTokens.For("counts-" + Guid.NewGuid().ToString("N")[..8]));

    [Fact]
    public async Task A_users_counts_follow_their_tasks_from_waiting_to_ended()
    {
        using var client = NewUser(gateway);
        var empty = await CountsAsync(client);
        var completed = new[] { await TaskRequests.CreateAsync(client, TaskRequests.Body(2)), await TaskRequests.CreateAsync(client, TaskRequests.Body(3)) };
        var later = TaskRequests.Body(2);
        later["run_at"] = DateTimeOffset.UtcNow.AddHours(1).ToString("O", CultureInfo.InvariantCulture);
        var waiting = await TaskRequests.CreateAsync(client, later);
        foreach (var taskId in completed)
        {
            await TaskRequests.WaitForEndAsync(client, taskId);
        }

        var whileWaiting = new Dictionary<string, int>();
        await Eventually.TrueAsync("the counts to show 2 completed tasks and 1 waiting", async () =>
        {
            whileWaiting = await CountsAsync(client);
            return whileWaiting["completed"] == 2;
        });
        using (var cancel = await client.PostAsync($"/api/tasks/{waiting}/cancel", null))
        {
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        }

        var ended = new Dictionary<string, int>();
        await Eventually.TrueAsync("the counts to show the waiting task cancelled", async () =>
        {
            ended = await CountsAsync(client);
            return ended["cancelled"] == 1;
        });

        Assert.All(empty.Values, count => Assert.Equal(0, count));
        Assert.Equal("pending 0, waiting 1, processing 0, completed 2, failed 0, cancelled 0, total 3", Describe(whileWaiting));
        Assert.Equal("pending 0, waiting 0, processing 0, completed 2, failed 0, cancelled 1, total 3", Describe(ended));
        Assert.Equal(ended, await CountsAsync(client, "?scope=mine"));
    }

    [Fact]
    public async Task Admins_count_everyones_tasks_with_scope_all_and_their_own_without()
    {
        using var first = NewUser(gateway);
        using var second = NewUser(gateway);
        using var admin = gateway.CreateHttpClient(TestTokens.Admin);
        var adminsOwn = await CountsAsync(admin);
        await TaskRequests.WaitForEndAsync(first, await TaskRequests.CreateAsync(first, TaskRequests.Body(2)));
        await TaskRequests.WaitForEndAsync(second, await TaskRequests.CreateAsync(second, TaskRequests.Body(2)));

        var everyone = await CountsAsync(admin, "?scope=all");
        var firsts = await CountsAsync(first);

        Assert.True(everyone["total"] >= adminsOwn["total"] + 2, $"everyone's: {Describe(everyone)}; the admin's own: {Describe(adminsOwn)}");
        Assert.Equal(everyone["total"], everyone.Where(c => c.Key != "total").Sum(c => c.Value));
        Assert.Equal(1, firsts["total"]);
    }

    [Fact]
    public async Task Only_admins_may_count_everyones_tasks()
    {
        using var client = NewUser(gateway);

        using var response = await client.GetAsync("/api/tasks/counts?scope=all");
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(403, problem.GetProperty("status").GetInt32());
        Assert.Equal("Admins only", problem.GetProperty("title").GetString());
    }

    [Theory]
    [InlineData("everyone")]
    [InlineData("ALL")]
    public async Task An_unknown_scope_gets_400_naming_it(string scope)
    {
        using var client = gateway.CreateHttpClient(TestTokens.Admin);

        using var response = await client.GetAsync($"/api/tasks/counts?scope={scope}");
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(problem.GetProperty("errors").TryGetProperty("scope", out _));
    }

    [Fact]
    public async Task The_openapi_document_describes_the_counts()
    {
        using var client = gateway.CreateHttpClient();

        var document = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var get = document.GetProperty("paths").GetProperty("/api/tasks/counts").GetProperty("get");
        Assert.Contains("each status", get.GetProperty("summary").GetString(), StringComparison.Ordinal);
        var counts = document.GetProperty("components").GetProperty("schemas").GetProperty("TaskCountsView").GetProperty("properties");
        Assert.Equal(Fields.Order(), counts.EnumerateObject().Select(p => p.Name).Order());
    }

    [Fact]
    public async Task Counting_needs_a_token()
    {
        using var anonymous = gateway.CreateHttpClient();

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/tasks/counts")).StatusCode);
    }
}
